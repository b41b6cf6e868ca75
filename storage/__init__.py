"""The only door to the database: SQLAlchemy models, repositories, unit of work, bulk
imports and alembic migrations. Implements the Protocols in ``domain.ports``."""
