"""The database: one SQLAlchemy handle, schema managed by Alembic (Flask-Migrate)."""
from __future__ import annotations

from pathlib import Path

from flask_migrate import Migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

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


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite serving several processes (gunicorn): write-ahead log, so readers never wait
    for a writer, and a sync at checkpoints rather than at every commit (still safe from
    corruption); wait up to 5 s for a lock instead of failing at once."""
    if type(dbapi_connection).__module__.split(".")[0] not in ("sqlite3", "pysqlite2"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
