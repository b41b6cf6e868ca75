"""SQLAlchemy implementations of the repositories declared in ``domain.ports``."""
