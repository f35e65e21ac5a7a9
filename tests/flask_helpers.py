"""Helpers for the Flask test-client tests: read pages, get CSRF tokens, sign in.

Kept out of conftest.py so test modules can import them by a name no other
directory uses (e2e/ has its own conftest.py).
"""
from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from jinja2 import BytecodeCache

KARIM_NIR = "1750169123045"
KARIM_PASSWORD = "Jardin75Bleu"
VERONIQUE_NIR = "2840575108123"
VERONIQUE_PASSWORD = "24681357"
MARIE_ANGE_NIR = "292092A004071"
MARIE_ANGE_PASSWORD = "13572468"
AMINATA_PROVISIONAL_ID = "P20240016"
AMINATA_PASSWORD = "86420975"
# Keyed by the identifier each demo account signs in with.
DEMO_PASSWORDS = {KARIM_NIR: KARIM_PASSWORD, VERONIQUE_NIR: VERONIQUE_PASSWORD,
                  MARIE_ANGE_NIR: MARIE_ANGE_PASSWORD, AMINATA_PROVISIONAL_ID: AMINATA_PASSWORD}
# Werkzeug's scrypt with a small cost, for hashes that tests make themselves.
FAST_SCRYPT = "scrypt:1024:8:1"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "SESSION_COOKIE_SECURE": False,
    "RESET_MIN_SECONDS": 0,  # the forgotten-password timing floor is tested on its own
    # Messages are sent inside the request, at once and again at once on a failure
    # (tests/test_queue.py runs a real worker).
    "QUEUE_URI": "immediate",
    "TESTING_QUEUE": True,  # lets a production app of a test use it
    "MESSAGE_RETRY_SECONDS": 0,
    # Argon2id at a small cost, so that a sign-in in a test costs a millisecond, not 30;
    # the real cost is tested in test_password_hashing.py and test_cli.py.
    **{"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1},
}


# PostgreSQL and Redis (scripts/services.sh prints these): the app under test uses them
# instead of a SQLite file per test and the in-memory limiter.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


class _SharedTemplates(BytecodeCache):
    """Jinja's compiled templates, shared by every app of the test run: each test makes
    its own app, and each app would otherwise compile again every template it renders
    (a fifth of the time of tests/)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedTemplates()


def make_app(db_file, **extra):
    """The app as the tests use it, on the SQLite file `db_file` (or a database URL)."""
    from app import create_app

    uri = str(db_file) if "://" in str(db_file) else f"sqlite:///{db_file}"
    config = dict(BASE_CONFIG, SQLALCHEMY_DATABASE_URI=uri)
    if TEST_REDIS_URL:
        config["RATELIMIT_STORAGE_URI"] = TEST_REDIS_URL
    config.update(extra)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


def flush_redis(url: str = TEST_REDIS_URL) -> None:
    """Empty the Redis database of the tests (limits, codes counters, sessions)."""
    if url:
        import redis

        with redis.Redis.from_url(url) as client:
            client.flushdb()


# --- a PostgreSQL database per test: emptied and refilled from a snapshot ---------------

_snapshot: dict[str, list[dict]] = {}
_engines: dict = {}


def _engine(url: str):
    from sqlalchemy import create_engine

    if url not in _engines:
        _engines[url] = create_engine(url)
    return _engines[url]


def reset_schema(url: str) -> None:
    """An empty database: every table of an earlier run dropped."""
    with _engine(url).begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


def take_snapshot(url: str) -> None:
    """Remember every row of every table (the schema made, the demo data loaded)."""
    from services.database import db

    with _engine(url).connect() as conn:
        for table in db.metadata.sorted_tables:
            _snapshot[table.name] = [dict(row._mapping) for row in conn.execute(table.select())]


def _schema_url(url: str, schema: str) -> str:
    """The database URL whose connections see `schema` (a copy) instead of public."""
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


def restore_snapshot(url: str, schema: str = "public") -> str:
    """Every table of `schema` emptied and refilled as at take_snapshot, identities
    restarted; a schema other than public is made (without Alembic) the first time.
    Returns the URL to reach it."""
    from services.database import db

    tables = db.metadata.sorted_tables
    engine = _engine(url)
    if schema != "public":
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            db.metadata.create_all(conn.execution_options(schema_translate_map={None: schema}))
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
        conn.exec_driver_sql(f'SET LOCAL search_path = "{schema}"')
        # DELETE, not TRUNCATE: on a few small tables it is several times faster (TRUNCATE
        # makes new files for every table and index); the sequences are set again below.
        for table in reversed(tables):
            conn.exec_driver_sql(f'DELETE FROM "{table.name}"')
        for table in tables:
            if _snapshot.get(table.name):
                conn.execute(table.insert(), _snapshot[table.name])
        for table in tables:
            if "id" in table.c and str(table.c.id.type) == "INTEGER":
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)")
    return url if schema == "public" else _schema_url(url, schema)


def fresh_database(tmp_path, template, name: str = "t.db") -> str:
    """The template database for one app: a copy of the SQLite file tmp_path/name, or on
    PostgreSQL a schema named after `name` refilled from the snapshot (the public schema,
    made by the migrations, for the default name). Returns what make_app takes."""
    if TEST_DATABASE_URL:
        schema = "public" if name == "t.db" else "copy_" + re.sub(r"\W", "_", name)
        return restore_snapshot(TEST_DATABASE_URL, schema)
    import shutil

    db_file = tmp_path / name
    shutil.copyfile(template, db_file)
    return db_file


def app_on_copy(tmp_path, template, name: str = "t.db", **extra):
    """A fixture body: create_app() on a fresh copy of the template database, with the rate
    limits emptied before and after; the database connections closed at the end.
    Use as `yield from app_on_copy(tmp_path, template_db, …)`."""
    from services.database import db
    from services.limiter import limiter

    app = make_app(fresh_database(tmp_path, template, name), **extra)
    with app.app_context():
        limiter.reset()
    yield app
    with app.app_context():
        limiter.reset()
        db.engine.dispose()


# --- reading pages ------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return collapse("".join(self.parts))

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def has(self, name: str) -> bool:
        """For boolean attributes such as `checked`, whose value is None."""
        return name in self.attrs


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.parts.append(data)


class Page:
    """What a person (or a screen reader) finds in an HTML answer."""

    def __init__(self, text: str) -> None:
        self.html = text
        collector = _Collector()
        collector.feed(text)
        self.elements = collector.elements

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        found = []
        for e in self.elements:
            if tag and e.tag != tag:
                continue
            if all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()):
                found.append(e)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        return self.one(id=element_id)

    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if e.attrs.get("id")}

    @property
    def title(self) -> str:
        return self.one("title").text

    @property
    def text(self) -> str:
        """The visible words of <body>, whitespace collapsed, apostrophes made straight."""
        body = self.all("body")
        return normalize_text(body[0].text if body else self.html)

    def label_for(self, text: str) -> Element:
        """The form control whose <label> says exactly `text`."""
        labels = [lab for lab in self.all("label") if normalize_text(lab.text) == text]
        assert len(labels) == 1, f"expected one label {text!r}, found {len(labels)}"
        return self.by_id(labels[0].attrs["for"])

    def button(self, text: str) -> Element:
        buttons = [b for b in self.all("button") if normalize_text(b.text) == text]
        assert len(buttons) == 1, f"expected one button {text!r}, found {len(buttons)}"
        return buttons[0]

    def link(self, text: str) -> Element:
        links = [a for a in self.all("a") if normalize_text(a.text) == text]
        assert links, f"no link {text!r}"
        return links[0]


def collapse(text: str) -> str:
    """Collapse HTML white space only: a no-break space (as in «58 €») is kept."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip()


def normalize_text(text: str) -> str:
    return collapse(text.replace("\u2019", "'"))


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return html.unescape(match.group(1))


def get_csrf(client, url: str = "/connexion") -> str:
    """Fetch a page and return the CSRF token of its form."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return csrf_from(response)


def sign_in(client, nir: str, password: str, remember: bool = False, **extra):
    """Fill and send the sign-in form as a person would (with the page's CSRF token)."""
    data = {"csrf_token": get_csrf(client), "nir": nir, "password": password}
    if remember:
        data["remember"] = "y"
    data.update(extra)
    return client.post("/connexion", data=data)


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def cookie_value(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


# --- the database behind the pages ------------------------------------------------

SESSION_COOKIE = "moncompte_session"
REMEMBER_COOKIE = "moncompte_nir"


def token_digest(token: str) -> str:
    """How a session token is stored: its SHA-256, never the token itself."""
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def session_rows(app) -> list:
    """Every server-side session (database or Redis), as (id, account_id, data,
    last_seen_at) tuples."""
    with app.app_context():
        return app.session_interface.store.records()


def change_session(app, digest: str, back=None, data: dict | None = None):
    """Change a stored session: its last activity `back` (a timedelta) earlier, its data
    replaced. Returns the new last activity."""
    import json
    from datetime import timedelta

    from services.database import db

    with app.app_context():
        store = app.session_interface.store
        record = store.get(digest)
        if back is not None:
            record.last_seen_at -= back
        if data is not None:
            record.data = json.dumps(data)
        store.put(digest, record, timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]))
        db.session.commit()
        return record.last_seen_at


def session_row_for(app, token: str):
    for row in session_rows(app):
        if row[0] == token_digest(token):
            return row
    return None


def account_id_of(app, nir: str) -> int:
    from services.database import db
    from services.models import Account

    with app.app_context():
        return db.session.execute(db.select(Account.id).filter_by(nir=nir)).scalar_one()


# --- the database behind the pages -----------------------------------------------------

def account_row(app, nir: str):
    """A detached snapshot of the account row, with its payments and letters loaded."""
    from services.database import db
    from services.models import Account

    with app.app_context():
        row = db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()
        row.payments, row.letters  # load them before detaching
        db.session.expunge_all()
        return row


def update_account(app, nir: str, **values) -> None:
    """Set columns of the account row, as a step of the journey or an admin would."""
    from services.database import db
    from services.models import Account

    with app.app_context():
        row = db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def codes_of(app, nir: str) -> list:
    """Every VerificationCode of the account, oldest first, detached."""
    from services.database import db
    from services.models import Account, VerificationCode

    with app.app_context():
        account_id = db.session.execute(db.select(Account.id).filter_by(nir=nir)).scalar_one()
        rows = db.session.execute(db.select(VerificationCode).filter_by(account_id=account_id)
                                  .order_by(VerificationCode.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def log_events(capsys, name: str) -> list[dict]:
    """The JSON log lines of event `name` written to stderr since the last read."""
    import json

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    return [line for line in lines if line["event"] == name]
