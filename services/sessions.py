"""Server-side sessions: the cookie holds a random token, the data stays on the server,
in the database (default), or in Redis in front of the database (SESSION_STORE_URI, or
RATELIMIT_STORAGE_URI=redis://…).

Flask's default session is signed, not encrypted; journey state must not travel in it.
A visitor who has not signed in and has started nothing holds only a CSRF token and,
perhaps, a message for the next page: that much travels in a signed cookie, so a first
visit (or a bot) writes nothing on the server. Anything more (a sign-in, a forgotten
password under way, a FranceConnect return) moves the session to the server.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import Flask, Request, Response, current_app, flash, request, session
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import CallbackDict

from services.audit_log import security_event
from services.config import REDIS_SCHEMES, ConfigError
from services.database import db
from services.models import WebSession, utcnow

# Writing last_seen on every request would cost a write per page; once a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)
# What a visitor's session may hold and still travel in a signed cookie: nothing that
# names a person or an account, nothing a step of a journey depends on.
COOKIE_KEYS = frozenset({"csrf_token", "_flashes"})
_COOKIE_PREFIX = "c."
# A server token is 43 characters; a cookie session with a token and a message, a few
# hundred. Anything longer is not ours.
_COOKIE_MAX = 2000


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict | None = None, token: str | None = None) -> None:
        def on_update(_: CallbackDict) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.modified = False
        self.rotate = False
        # True when this request came with a signed-in session that ran out of time.
        self.timed_out = False
        # Seconds this session still has before it times out, for the page's clock.
        self.seconds_left: int | None = None

    def regenerate(self) -> None:
        """Give the session a new identifier (at sign-in), keeping its data."""
        self.rotate = True
        self.modified = True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SessionRecord:
    """What the server keeps of a session, wherever it keeps it."""

    data: str = "{}"
    account_id: int | None = None
    last_seen_at: datetime = field(default_factory=utcnow)


class DatabaseStore:
    """Sessions in the `web_session` table (the default). Writes join the request's
    transaction; the interface commits."""

    def get(self, digest: str) -> SessionRecord | None:
        row = db.session.get(WebSession, digest)
        if row is None:
            return None
        return SessionRecord(row.data, row.account_id, row.last_seen_at)

    def put(self, digest: str, record: SessionRecord, idle: timedelta) -> None:
        row = db.session.get(WebSession, digest) or WebSession(id=digest)
        row.data, row.account_id, row.last_seen_at = (record.data, record.account_id,
                                                      record.last_seen_at)
        db.session.add(row)

    def touch(self, digest: str, record: SessionRecord, idle: timedelta) -> None:
        row = db.session.get(WebSession, digest)
        if row is not None:
            row.last_seen_at = record.last_seen_at

    def delete(self, digest: str) -> None:
        row = db.session.get(WebSession, digest)
        if row is not None:
            db.session.delete(row)

    def delete_of_account(self, account_id: int, keep: str | None = None) -> int:
        query = db.delete(WebSession).filter(WebSession.account_id == account_id)
        if keep:
            query = query.filter(WebSession.id != keep)
        return db.session.execute(query).rowcount or 0

    def records(self) -> list[tuple[str, int | None, str, datetime]]:
        rows = db.session.execute(db.select(WebSession)).scalars().all()
        return [(r.id, r.account_id, r.data, r.last_seen_at) for r in rows]


class RedisStore:
    """Sessions in Redis, shared by every process and host: one key per session (JSON,
    expiring with the idle timeout plus an hour, so that a page can still say «your session
    timed out» for a while), and a set per account of its sessions' keys, so that every
    session of an account can be ended."""

    GRACE = timedelta(hours=1)

    def __init__(self, uri: str, prefix: str = "moncompte:") -> None:
        import redis

        self.redis = redis.Redis.from_url(uri, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def _key(self, digest: str) -> str:
        return f"{self.prefix}session:{digest}"

    def _index(self, account_id: int) -> str:
        return f"{self.prefix}account-sessions:{account_id}"

    def get(self, digest: str) -> SessionRecord | None:
        raw = self.redis.get(self._key(digest))
        if raw is None:
            return None
        value = json.loads(raw)
        return SessionRecord(value["data"], value["account_id"],
                             datetime.fromtimestamp(value["last_seen"], timezone.utc)
                             .replace(tzinfo=None))

    def put(self, digest: str, record: SessionRecord, idle: timedelta) -> None:
        old = self.get(digest)
        value = json.dumps({"data": record.data, "account_id": record.account_id,
                            "last_seen": record.last_seen_at.replace(tzinfo=timezone.utc)
                            .timestamp()})
        ttl = max(1, int((record.last_seen_at + idle + self.GRACE - utcnow()).total_seconds()))
        pipe = self.redis.pipeline()
        if old is not None and old.account_id is not None and old.account_id != record.account_id:
            pipe.srem(self._index(old.account_id), digest)
        pipe.set(self._key(digest), value, ex=ttl)
        if record.account_id is not None:
            pipe.sadd(self._index(record.account_id), digest)
            # The index lives as long as the longest-lived of its sessions.
            pipe.expire(self._index(record.account_id), ttl, gt=True)
            pipe.expire(self._index(record.account_id), ttl, nx=True)
        pipe.execute()

    touch = put

    def delete(self, digest: str) -> None:
        old = self.get(digest)
        pipe = self.redis.pipeline()
        pipe.delete(self._key(digest))
        if old is not None and old.account_id is not None:
            pipe.srem(self._index(old.account_id), digest)
        pipe.execute()

    def delete_of_account(self, account_id: int, keep: str | None = None) -> int:
        index = self._index(account_id)
        digests = [d.decode() for d in self.redis.smembers(index)]
        digests = [d for d in digests if d != keep]
        if not digests:
            return 0
        pipe = self.redis.pipeline()
        pipe.delete(*(self._key(d) for d in digests))
        pipe.srem(index, *digests)
        ended, _ = pipe.execute()
        return ended

    def check(self) -> bool:
        return bool(self.redis.ping())

    def records(self) -> list[tuple[str, int | None, str, datetime]]:
        found = []
        for key in self.redis.scan_iter(f"{self.prefix}session:*"):
            digest = key.decode().rsplit(":", 1)[1]
            record = self.get(digest)
            if record is not None:
                found.append((digest, record.account_id, record.data, record.last_seen_at))
        return found


class LayeredStore:
    """Redis in front of the database: reads come from Redis, every write goes to both.

    Redis makes the read that every request does cheap and shared by every process and
    host; the database keeps each session, so that Redis stopping or losing its data
    signs nobody out and loses no step of a journey. While Redis does not answer, the
    store uses the database alone, says so once in the logs, and tries Redis again after
    RETRY_SECONDS. The sessions written meanwhile are removed from Redis when it answers
    again, so that an older copy there is never read instead of the database's."""

    RETRY_SECONDS = 5.0

    def __init__(self, uri: str, idle: timedelta) -> None:
        self.redis = RedisStore(uri)
        self.database = DatabaseStore()
        self.idle = idle
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down = False
        self._stale: set[str] = set()

    def _use_redis(self, action, *args, stale: list[str] | tuple[str, ...] = ()):
        """(True, result) from Redis, or (False, None) if Redis is down; the sessions in
        `stale` are then marked to be removed from Redis when it is back."""
        from redis.exceptions import RedisError

        if time.monotonic() < self._down_until:
            with self._lock:
                self._stale.update(stale)
            return False, None
        try:
            self._forget_stale()
            result = action(*args)
        except RedisError as error:
            with self._lock:
                self._stale.update(stale)
                self._down_until = time.monotonic() + self.RETRY_SECONDS
                first = not self._down
                self._down = True
            if first:
                security_event("session_store_fallback", store="redis",
                               error=type(error).__name__, using="database")
            return False, None
        if self._down:
            with self._lock:
                recovered, self._down = self._down, False
            if recovered:
                security_event("session_store_recovered", store="redis")
        return True, result

    def _forget_stale(self) -> None:
        with self._lock:
            stale, self._stale = self._stale, set()
        if stale:
            try:
                self.redis.redis.delete(*(self.redis._key(d) for d in stale))
            except Exception:
                with self._lock:
                    self._stale.update(stale)
                raise

    def get(self, digest: str) -> SessionRecord | None:
        ok, record = self._use_redis(self.redis.get, digest)
        if record is not None:
            return record
        record = self.database.get(digest)
        if ok and record is not None:
            # Redis lost it (a restart): put it back for the next requests.
            self._use_redis(self.redis.put, digest, record, self.idle, stale=[digest])
        return record

    def put(self, digest: str, record: SessionRecord, idle: timedelta) -> None:
        self.database.put(digest, record, idle)
        self._use_redis(self.redis.put, digest, record, idle, stale=[digest])

    def touch(self, digest: str, record: SessionRecord, idle: timedelta) -> None:
        self.database.touch(digest, record, idle)
        self._use_redis(self.redis.touch, digest, record, idle, stale=[digest])

    def delete(self, digest: str) -> None:
        self.database.delete(digest)
        self._use_redis(self.redis.delete, digest, stale=[digest])

    def delete_of_account(self, account_id: int, keep: str | None = None) -> int:
        query = db.select(WebSession.id).filter(WebSession.account_id == account_id)
        if keep:
            query = query.filter(WebSession.id != keep)
        digests = list(db.session.execute(query).scalars())
        ended = self.database.delete_of_account(account_id, keep)

        def end_in_redis() -> None:
            self.redis.delete_of_account(account_id, keep)
            if digests:
                self.redis.redis.delete(*(self.redis._key(d) for d in digests))

        self._use_redis(end_in_redis, stale=digests)
        return ended

    def check(self) -> bool:
        """Whether Redis answers (the database is checked by the caller)."""
        return self.redis.check()

    def records(self) -> list[tuple[str, int | None, str, datetime]]:
        return self.database.records()


def session_store_uri(config: dict) -> str:
    """SESSION_STORE_URI, else Redis when the limits are in Redis, else the database."""
    uri = config.get("SESSION_STORE_URI") or ""
    if uri:
        return uri
    limits = config.get("RATELIMIT_STORAGE_URI") or ""
    return limits if limits.startswith(REDIS_SCHEMES) else "database"


def make_store(config: dict) -> DatabaseStore | LayeredStore:
    uri = session_store_uri(config)
    if uri == "database":
        return DatabaseStore()
    if uri.startswith(REDIS_SCHEMES):
        return LayeredStore(uri, timedelta(minutes=int(config.get("SESSION_IDLE_MINUTES", 30))))
    raise ConfigError(f"SESSION_STORE_URI: «database» or redis://…, not {uri!r}")


def session_store():
    return current_app.session_interface.store


def _in_cookie(session: ServerSession) -> bool:
    """Whether this session may travel in a signed cookie instead of the server."""
    return "account_id" not in session and COOKIE_KEYS.issuperset(session.keys())


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: DatabaseStore | LayeredStore) -> None:
        self.store = store

    @staticmethod
    def _serializer(app: Flask) -> URLSafeSerializer:
        return URLSafeSerializer(app.secret_key, salt="moncompte-visitor-session")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > _COOKIE_MAX:
            return ServerSession()
        if token.startswith(_COOKIE_PREFIX):
            try:
                data = self._serializer(app).loads(token[len(_COOKIE_PREFIX):])
            except BadSignature:
                return ServerSession()
            if not isinstance(data, dict) or not COOKIE_KEYS.issuperset(data):
                return ServerSession()
            return ServerSession(data)
        if len(token) > 100:
            return ServerSession()
        digest = _digest(token)
        record = self.store.get(digest)
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        if record is None or utcnow() - record.last_seen_at > idle:
            fresh = ServerSession()
            if record is not None:
                fresh.timed_out = record.account_id is not None
                self.store.delete(digest)
                db.session.commit()
            return fresh
        session = ServerSession(json.loads(record.data), token)
        if utcnow() - record.last_seen_at > _TOUCH_EVERY:
            record.last_seen_at = utcnow()
            self.store.touch(digest, record, idle)
            db.session.commit()
        session.seconds_left = int((idle - (utcnow() - record.last_seen_at)).total_seconds())
        return session

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        cookie = dict(
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        if not session.modified:
            return
        in_cookie = bool(session) and _in_cookie(session)
        if session.token and (session.rotate or not session or in_cookie):
            self.store.delete(_digest(session.token))
        if not session:
            db.session.commit()
            if name in request.cookies:
                response.delete_cookie(name, **cookie)
            return
        if in_cookie:
            db.session.commit()
            session.token = None
            response.vary.add("Cookie")
            response.set_cookie(name, _COOKIE_PREFIX + self._serializer(app).dumps(dict(session)),
                                **cookie)
            return
        if session.rotate or not session.token:
            session.token = secrets.token_urlsafe(32)
        record = SessionRecord(json.dumps(dict(session)), session.get("account_id"), utcnow())
        self.store.put(_digest(session.token), record,
                       timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]))
        db.session.commit()
        response.vary.add("Cookie")
        response.set_cookie(name, session.token, **cookie)




def start_signed_in(account_id: int) -> None:
    """Sign in: a new identifier, so one set before sign-in cannot be reused (fixation)."""
    session.clear()
    session.regenerate()
    session["account_id"] = account_id
    # When: a change of contact details within REAUTH_MINUTES needs no password again.
    session["signed_in_at"] = time.time()


def end_signed_in(message: str | None) -> None:
    """Sign out: the server forgets the session; the next page shows `message`, if any."""
    if session.get("account_id"):
        security_event("sign_out", session["account_id"])
    session.clear()
    session.regenerate()
    if message:
        flash(message)


def end_other_sessions(account_id: int) -> int:
    """After a password change: every other device signed in to this account is signed out,
    and this session gets a new identifier. Part of the caller's transaction (no commit).
    Returns how many sessions were ended."""
    token = getattr(session, "token", None)
    ended = session_store().delete_of_account(account_id, _digest(token) if token else None)
    session.regenerate()
    security_event("sessions_ended", account_id, count=ended, others_only=True)
    return ended


def end_sessions_of(account_id: int) -> None:
    """End every session of an account on the server, on every device (after a reset)."""
    ended = session_store().delete_of_account(account_id)
    db.session.commit()
    security_event("sessions_ended", account_id, count=ended or 0)
