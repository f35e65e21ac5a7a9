"""Messages leave through a queue (Huey) and a worker, never inside a request.

A request stores what it must (a code's keyed hash) and commits, then puts the message in
the queue: its answer never waits for the SMS gateway or the mail server, so it takes the
same time whatever they do, and SQLite's write lock is never held during a network call.
The worker (`python -m services.worker`, see the README) sends it, trying again
after MESSAGE_RETRY_SECONDS, then twice as long, MESSAGE_SEND_ATTEMPTS times in all; a
message not sent in a code's lifetime is dropped (its code is dead anyway).

QUEUE_URI chooses the queue's storage: `redis://…` at scale (several hosts), `sqlite:///…`
on one machine (make run), `immediate` in tests (the task runs inside the request).

What waits in the queue is sealed (Fernet, a key derived from SECRET_KEY): the queue's
storage never holds a readable code, address or phone number.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.exceptions import CancelExecution

from domain.codes import CODE_TTL
from services.audit_log import security_event
from services.database import db
from services.messages import Message, SendError, send
from services.models import VerificationCode
from services.sealing import fernet

EXTENSION = "message_queue"


def _fernet(secret: str) -> Fernet:
    # The same key as before services/sealing.py existed: messages already queued at a
    # deploy are still read.
    return fernet(secret, "message-queue")


def _make_huey(uri: str) -> Huey:
    if uri == "immediate":
        return MemoryHuey("moncompte", immediate=True)
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("moncompte", url=uri)
    if uri.startswith("sqlite:///"):
        return SqliteHuey("moncompte", filename=uri.removeprefix("sqlite:///"))
    raise ValueError(f"QUEUE_URI: redis://…, sqlite:///… or immediate, not {uri.split(':')[0]}")


def _mark(code_id: int | None, delivery: str) -> None:
    if code_id is None:
        return
    db.session.execute(db.update(VerificationCode).filter_by(id=code_id)
                       .values(delivery=delivery))
    db.session.commit()


def _attempt(app: Flask, sealed: bytes, code_id: int | None, account_id: int | None,
             purpose: str, last: bool, attempts: int) -> bool:
    """One try at sending: True when sent (or never sendable); False to try again. On the
    last try a failure is logged (its reason class only) and the code marked failed."""
    with app.app_context():
        try:
            message = Message(**json.loads(_fernet(app.config["SECRET_KEY"]).decrypt(sealed)))
        except (InvalidToken, TypeError, ValueError):
            security_event("code_send_failed", account_id, reason="unreadable", purpose=purpose)
            _mark(code_id, "failed")
            return True
        try:
            send(message)
        except SendError as error:
            if not last:
                return False
            security_event("code_send_failed", account_id, reason=error.reason,
                           channel=message.channel, purpose=purpose, attempts=attempts)
            _mark(code_id, "failed")
            return True
        _mark(code_id, "sent")
        security_event("code_sent" if code_id is not None else "message_sent", account_id,
                       channel=message.channel, purpose=purpose)
        return True


def _send_beside(app: Flask, *args) -> None:
    """The queue's storage refused the message (Redis stopped): this process sends it in a
    thread of its own, with the worker's tries and waits, so the request still answers at
    once and the person still gets the code. Lost if this process stops meanwhile."""
    attempts = max(1, int(app.config["MESSAGE_SEND_ATTEMPTS"]))

    def run() -> None:
        delay = float(app.config["MESSAGE_RETRY_SECONDS"])
        for attempt in range(1, attempts + 1):
            if _attempt(app, *args, last=attempt == attempts, attempts=attempts):
                return
            time.sleep(delay)
            delay *= 2

    threading.Thread(target=run, name="message-beside", daemon=True).start()


def init_queue(app: Flask) -> None:
    """The app's queue and its one task, `deliver`."""
    huey = _make_huey(app.config["QUEUE_URI"])
    attempts = max(1, int(app.config["MESSAGE_SEND_ATTEMPTS"]))

    @huey.task(retries=attempts - 1, retry_delay=app.config["MESSAGE_RETRY_SECONDS"],
               retry_backoff=2, expires=timedelta(seconds=CODE_TTL.total_seconds()),
               context=True, name="deliver")
    def deliver(sealed: bytes, code_id: int | None, account_id: int | None, purpose: str,
                task=None) -> None:
        last = task is None or task.retries == 0
        if not _attempt(app, sealed, code_id, account_id, purpose, last, attempts):
            # Huey tries again later (retry_delay, then doubled) and counts down its
            # retries; no traceback in the log, whose text might name the address.
            raise CancelExecution() from None

    app.extensions[EXTENSION] = (huey, deliver)


def huey_of(app: Flask) -> Huey:
    return app.extensions[EXTENSION][0]


def enqueue(message: Message, purpose: str, account_id: int | None,
            code_id: int | None = None) -> None:
    """Put the message in the queue, after the transaction that stores the code has
    committed. If the queue's storage does not take it, say so in the log and send it
    beside the request (_send_beside): the request answers at once all the same."""
    _, deliver = current_app.extensions[EXTENSION]
    sealed = _fernet(current_app.config["SECRET_KEY"]).encrypt(json.dumps(asdict(message)).encode())
    try:
        deliver(sealed, code_id, account_id, purpose)
    except Exception as error:  # Redis down, SQLite locked
        security_event("message_queue_unavailable", account_id, purpose=purpose,
                       error=type(error).__name__)
        _send_beside(current_app._get_current_object(), sealed, code_id, account_id, purpose)
