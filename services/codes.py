"""Verification codes in the database: send one, check one. The rules are in domain/codes.py."""
from __future__ import annotations

import hashlib

from flask import current_app

from domain import codes
from domain.contact import hide_phone
from services.audit_log import security_event
from services.database import db
from services.messages import Message, send
from services.models import Account, VerificationCode, utcnow


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


# What each code is for, said in the message so that a person who asked nothing can tell.
_WHY = {"contact": "de vérification", "reset": "pour un nouveau mot de passe",
        "change": "pour confirmer vos nouvelles coordonnées",
        "device": "pour confirmer un nouvel appareil"}
# Someone who asked nothing but gets a new-device code: someone else knows the password.
NOTHING_ASKED = "Vous n'avez rien demandé ? Ne faites rien."
_NOT_YOU = {"device": "Ce n'est pas vous ? Changez vite votre mot de passe."}


def _texts(code: str, channel: str, purpose: str) -> tuple[str, str | None]:
    minutes = int(codes.CODE_TTL.total_seconds() // 60)
    why = _WHY[purpose]
    not_you = _NOT_YOU.get(purpose)
    if channel == "sms":
        return (f"Mon Compte Caf : votre code {why} est {code}. Il marche {minutes} minutes. "
                "Ne le donnez à personne." + (f" {not_you}" if not_you else "")), None
    return ("Bonjour,\n\n"
            f"Votre code {why} est : {code}\n\n"
            "Écrivez ce code sur la page Mon Compte Caf.\n"
            f"Le code marche pendant {minutes} minutes.\n"
            "Ne donnez ce code à personne. La Caf ne vous le demande jamais.\n\n"
            f"{not_you or NOTHING_ASKED}\n\n"
            "La Caf"), f"Votre code {why} Mon Compte Caf"


def send_code(account: Account, purpose: str = "contact",
              to: tuple[str, str] | None = None) -> None:
    """Make a new code, kill the older ones, send it to the account's contact (or to `to`,
    a (channel, address) being confirmed). Raises SendError if it cannot leave."""
    channel, address = to or destination(account)
    code, salt = codes.new_code(), codes.new_salt()
    db.session.execute(
        db.update(VerificationCode).filter_by(account_id=account.id, dead=False).values(dead=True)
    )
    record = VerificationCode(account_id=account.id, purpose=purpose, channel=channel,
                              destination=address, salt=salt,
                              digest=codes.digest(_key(), salt, code))
    db.session.add(record)
    db.session.flush()
    body, subject = _texts(code, channel, purpose)
    try:
        send(Message(to=address, channel=channel, body=body, subject=subject))
    except Exception:
        security_event("code_send_failed", account, channel=channel, purpose=purpose)
        db.session.rollback()
        raise
    db.session.commit()
    security_event("code_sent", account, channel=channel, purpose=purpose)


def latest_code(account: Account, purpose: str = "contact") -> VerificationCode | None:
    return db.session.execute(
        db.select(VerificationCode).filter_by(account_id=account.id, purpose=purpose)
        .order_by(VerificationCode.id.desc()).limit(1)
    ).scalar_one_or_none()


def _matches_a_replaced_code(account: Account, newest: VerificationCode, typed: str) -> bool:
    typed = codes.clean(typed)
    since = utcnow() - codes.CODE_TTL
    older = db.session.execute(
        db.select(VerificationCode).filter(
            VerificationCode.account_id == account.id, VerificationCode.id != newest.id,
            VerificationCode.purpose == newest.purpose,
            VerificationCode.used_at.is_(None), VerificationCode.sent_at >= since)
    ).scalars()
    return any(codes.digest(_key(), r.salt, typed) == r.digest for r in older)


def check_code(account: Account, typed: str, purpose: str = "contact") -> codes.Outcome:
    """Judge the typed code against the newest one sent, and save what it changed (a right
    code: in the caller's transaction, which commits it with the step it opens)."""
    record = latest_code(account, purpose)
    if record is None:
        security_event("code_dead", account, purpose=purpose, reason="none_sent")
        return codes.Outcome.EXPIRED
    if _matches_a_replaced_code(account, record, typed):
        security_event("code_dead", account, purpose=purpose, reason="replaced")
        return codes.Outcome.DEAD  # a late message: say the code was replaced, cost no try
    state = codes.CodeState(salt=record.salt, digest=record.digest, sent_at=record.sent_at,
                            wrong_tries=record.wrong_tries, used=record.used_at is not None,
                            dead=record.dead)
    outcome = codes.check(state, typed, _key(), utcnow())
    record.wrong_tries, record.dead = state.wrong_tries, state.dead
    if outcome is codes.Outcome.OK:
        # Used, in the caller's transaction: the code and the step it opens are saved
        # together, so a failure between the two never leaves a used code and no step.
        record.used_at = utcnow()
        db.session.flush()
    else:
        db.session.commit()  # a wrong try counts, whatever the caller does next
    _log_check(account, record, outcome)
    return outcome


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
