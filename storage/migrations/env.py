"""Alembic environment: runs on the engine creditbot hands over, never on a global URL."""

from alembic import context

from storage.models import Base

config = context.config
engine = config.attributes["engine"]



def _for_this_database(dialect: str):  # type: ignore[no-untyped-def]
    """Autogenerate's filter: an index the models create on another database only
    (``Index.ddl_if``, e.g. the outbox's key-prefix index on PostgreSQL) is not missing
    here, and ``creditbot db revision`` must not write it into a migration."""
    def include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        only = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        return only is None or only.dialect in (None, dialect)
    return include


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_for_this_database(connection.dialect.name),
    )
    context.run_migrations()
