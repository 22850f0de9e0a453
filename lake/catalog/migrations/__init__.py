"""Alembic migrations of the metadata database (sites, API keys)."""
