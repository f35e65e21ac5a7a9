"""Server-side sessions: the cookie holds a random token, the data stays in the database.

Flask's default session is signed, not encrypted; journey state must not travel in it.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from flask import Flask, Request, Response, flash, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from services.audit_log import security_event
from services.database import db
from services.models import WebSession, utcnow

# Writing last_seen on every request would cost a write per page; once a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)


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


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return ServerSession()
        row = db.session.get(WebSession, _digest(token))
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        if row is None or utcnow() - row.last_seen_at > idle:
            fresh = ServerSession()
            if row is not None:
                fresh.timed_out = row.account_id is not None
                db.session.delete(row)
                db.session.commit()
            return fresh
        session = ServerSession(json.loads(row.data), token)
        if utcnow() - row.last_seen_at > _TOUCH_EVERY:
            row.last_seen_at = utcnow()
            db.session.commit()
        session.seconds_left = int((idle - (utcnow() - row.last_seen_at)).total_seconds())
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
        if session.token and (session.rotate or not session):
            old = db.session.get(WebSession, _digest(session.token))
            if old is not None:
                db.session.delete(old)
        if not session:
            db.session.commit()
            if session.token:
                response.delete_cookie(name, **{k: v for k, v in cookie.items() if k != "httponly"})
            return
        if session.rotate or not session.token:
            session.token = secrets.token_urlsafe(32)
            row = WebSession(id=_digest(session.token))
            db.session.add(row)
        else:
            row = db.session.get(WebSession, _digest(session.token)) or WebSession(
                id=_digest(session.token)
            )
            db.session.add(row)
        row.data = json.dumps(dict(session))
        row.account_id = session.get("account_id")
        row.last_seen_at = utcnow()
        db.session.commit()
        response.vary.add("Cookie")
        response.set_cookie(name, session.token, **cookie)



def start_signed_in(account_id: int) -> None:
    """Sign in: a new identifier, so one set before sign-in cannot be reused (fixation)."""
    session.clear()
    session.regenerate()
    session["account_id"] = account_id


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
    query = db.delete(WebSession).filter(WebSession.account_id == account_id)
    if token:
        query = query.filter(WebSession.id != _digest(token))
    ended = db.session.execute(query).rowcount or 0
    session.regenerate()
    security_event("sessions_ended", account_id, count=ended, others_only=True)
    return ended


def end_sessions_of(account_id: int) -> None:
    """End every session of an account on the server, on every device (after a reset)."""
    ended = db.session.execute(db.delete(WebSession).filter_by(account_id=account_id)).rowcount
    db.session.commit()
    security_event("sessions_ended", account_id, count=ended or 0)
