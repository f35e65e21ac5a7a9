"""The database: one SQLAlchemy handle, schema managed by Alembic (Flask-Migrate)."""
from __future__ import annotations

from pathlib import Path

from flask_migrate import Migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Stable constraint names so that Alembic migrations work on SQLite and PostgreSQL alike.
_naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
db = SQLAlchemy(metadata=MetaData(naming_convention=_naming))
MIGRATIONS = str(Path(__file__).parent / "migrations")
migrate = Migrate(directory=MIGRATIONS, render_as_batch=True)


def create_schema() -> None:
    """Bring the schema to the newest migration (inside an app context)."""
    upgrade(directory=MIGRATIONS)
