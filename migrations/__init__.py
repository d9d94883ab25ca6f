"""Alembic migrations targeting surveys.db metadata (see surveys/db/migrate.py)."""
