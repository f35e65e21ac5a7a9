"""Verification codes in the database: send one, check one. The rules are in domain/codes.py."""
from __future__ import annotations

import hashlib

from flask import current_app

from domain import codes
from domain.contact import hide_phone
from domain.words import say
from services.audit_log import security_event
from services.database import db
from services.messages import Message
from services.models import Account, VerificationCode, utcnow
from services.queue import enqueue


def _key() -> bytes:
    # A key of its own, derived from the app secret, so codes and cookies never share one.
    return hashlib.sha256(b"verification-codes:" + current_app.config["SECRET_KEY"].encode()).digest()


def destination(account: Account) -> tuple[str, str]:
    """(channel, address) where this account's code goes."""
    if account.code_channel == "sms" and account.mobile_phone:
        return "sms", account.mobile_phone
    return "mail", account.email or ""


def shown_destination(account: Account) -> str:
    """The mail in full, as the guide shows it; the mobile partly hidden."""
    channel, address = destination(account)
    return hide_phone(address) if channel == "sms" else address


def _texts(code: str, channel: str, purpose: str) -> tuple[str, str | None]:
    """The SMS (no subject), or the mail and its subject; the words are in domain/words.py."""
    minutes = int(codes.CODE_TTL.total_seconds() // 60)
    why = say(f"code.why.{purpose}")
    not_you = say("code.not_you.device") if purpose == "device" else None
    if channel == "sms":
        sms = say("code.sms", why=why, code=code, minutes=minutes)
        return (f"{sms} {not_you}" if not_you else sms), None
    return (say("code.mail", why=why, code=code, minutes=minutes,
                warning=not_you or say("code.nothing_asked")),
            say("code.mail.subject", why=why))


def send_code(account: Account, purpose: str = "contact",
              to: tuple[str, str] | None = None) -> None:
    """Make a new code, kill the older ones, commit, then put the message in the queue for
    the worker, to the account's contact (or to `to`, a (channel, address) being
    confirmed). Never waits for the gateway; if the message finally cannot leave, the
    code is marked failed and the signed-in code pages say so (delivery_failed)."""
    channel, address = to or destination(account)
    code, salt = codes.new_code(), codes.new_salt()
    db.session.execute(
        db.update(VerificationCode).filter_by(account_id=account.id, dead=False).values(dead=True)
    )
    record = VerificationCode(account_id=account.id, purpose=purpose, channel=channel,
                              destination=address, salt=salt,
                              digest=codes.digest(_key(), salt, code), delivery="queued")
    db.session.add(record)
    db.session.commit()
    body, subject = _texts(code, channel, purpose)
    security_event("code_queued", account, channel=channel, purpose=purpose)
    enqueue(Message(to=address, channel=channel, body=body, subject=subject), purpose,
            account.id, record.id)


def delivery_failed(account: Account, purpose: str) -> bool:
    """The newest code for this purpose could not be sent: «Le message n'est pas parti.»"""
    record = latest_code(account, purpose)
    return record is not None and record.delivery == "failed" and not record.dead


def latest_code(account: Account, purpose: str = "contact") -> VerificationCode | None:
    return db.session.execute(
        db.select(VerificationCode).filter_by(account_id=account.id, purpose=purpose)
        .order_by(VerificationCode.id.desc()).limit(1)
    ).scalar_one_or_none()


def _matches_a_replaced_code(account: Account, newest: VerificationCode, typed: str) -> bool:
    since = utcnow() - codes.CODE_TTL
    older = db.session.execute(
        db.select(VerificationCode).filter(
            VerificationCode.account_id == account.id, VerificationCode.id != newest.id,
            VerificationCode.purpose == newest.purpose,
            VerificationCode.used_at.is_(None), VerificationCode.sent_at >= since)
    ).scalars()
    return any(codes.digest(_key(), r.salt, typed) == r.digest for r in older)


def check_code(account: Account, typed: str, purpose: str = "contact") -> codes.Outcome:
    """Judge the typed code against the newest one sent, atomically: each verdict is one
    conditional UPDATE of the code's row (alive, unused, fewer than MAX_WRONG wrong tries,
    not expired), so that however many guesses arrive at once, on however many workers, at
    most MAX_WRONG wrong ones are counted and a right code is used exactly once. A right
    code is used in the caller's transaction, which commits it with the step it opens; a
    wrong try is committed here, whatever the caller does next."""
    record = latest_code(account, purpose)
    if record is None:
        security_event("code_dead", account, purpose=purpose, reason="none_sent")
        return codes.Outcome.EXPIRED
    cleaned = codes.clean(typed)
    if not codes.well_formed(cleaned):
        return codes.Outcome.MALFORMED
    if _matches_a_replaced_code(account, record, cleaned):
        security_event("code_dead", account, purpose=purpose, reason="replaced")
        return codes.Outcome.DEAD  # a late message: say the code was replaced, cost no try
    now = utcnow()
    alive = db.update(VerificationCode).where(
        VerificationCode.id == record.id, VerificationCode.used_at.is_(None),
        VerificationCode.dead.is_(False), VerificationCode.wrong_tries < codes.MAX_WRONG,
        VerificationCode.sent_at > now - codes.CODE_TTL)
    if codes.matches(_key(), record.salt, record.digest, cleaned):
        used = db.session.execute(alive.values(used_at=now),
                                  execution_options={"synchronize_session": False}).rowcount == 1
        outcome = codes.Outcome.OK if used else _why_dead(record.id, now)
    else:
        tries = db.session.execute(
            alive.values(wrong_tries=VerificationCode.wrong_tries + 1,
                         dead=VerificationCode.wrong_tries + 1 >= codes.MAX_WRONG)
            .returning(VerificationCode.wrong_tries),
            execution_options={"synchronize_session": False}).scalar_one_or_none()
        db.session.commit()
        outcome = (_why_dead(record.id, now) if tries is None
                   else codes.Outcome.DEAD if tries >= codes.MAX_WRONG else codes.Outcome.WRONG)
    db.session.refresh(record)
    _log_check(account, record, outcome)
    return outcome


def _why_dead(code_id: int, now) -> codes.Outcome:
    """A code the conditional write did not change: expired, or dead (tries, used, replaced)."""
    record = db.session.get(VerificationCode, code_id, populate_existing=True)
    return codes.verdict_for_dead(used=record.used_at is not None, dead=record.dead,
                                  wrong_tries=record.wrong_tries, sent_at=record.sent_at, now=now)


def _log_check(account: Account, record: VerificationCode, outcome: codes.Outcome) -> None:
    """code_confirmed, code_wrong or code_dead (and why); a mistyped code (not 6 digits)
    costs no try and is not an event."""
    if outcome is codes.Outcome.OK:
        security_event("code_confirmed", account, purpose=record.purpose, channel=record.channel)
    elif outcome is codes.Outcome.WRONG:
        security_event("code_wrong", account, purpose=record.purpose,
                       wrong_tries=record.wrong_tries)
    elif outcome in (codes.Outcome.DEAD, codes.Outcome.EXPIRED):
        reason = ("expired" if outcome is codes.Outcome.EXPIRED
                  else "too_many_tries" if record.wrong_tries >= codes.MAX_WRONG
                  else "used" if record.used_at else "replaced")
        security_event("code_dead", account, purpose=record.purpose, reason=reason,
                       wrong_tries=record.wrong_tries)
