"""Persistence: SQLAlchemy models, engine and sessions, repositories, unit of work,
search backends and Alembic migrations. Only ``pos`` services (through the unit of work)
and the composition roots use it."""
