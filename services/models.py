"""Tables. Rules about what the data means live in domain/."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.database import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Account(db.Model):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # People without a NIR yet sign in with a provisional identifier (domain/provisional.py).
    nir: Mapped[str | None] = mapped_column(String(13), unique=True, index=True)
    provisional_id: Mapped[str | None] = mapped_column(String(9), unique=True, index=True)
    # The FranceConnect identity linked to this account (the provider's `sub`), if any.
    franceconnect_sub: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    numero_allocataire: Mapped[str | None] = mapped_column(String(8), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    # True while the password is still the old 8-digit Caf password.
    password_is_legacy: Mapped[bool] = mapped_column(default=True)
    # The last change or reset of the password: a device confirmed before it (issue 8's
    # «Se souvenir de cet appareil») must be confirmed again.
    password_changed_at: Mapped[datetime | None]
    journey_state: Mapped[str] = mapped_column(String(20), default="cgu")
    cgu_version: Mapped[str | None] = mapped_column(String(20))
    cgu_accepted_at: Mapped[datetime | None]
    mobile_phone: Mapped[str | None] = mapped_column(String(20))
    other_phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    contact_verified_at: Mapped[datetime | None]
    # Where the verification code goes: "sms" or "mail".
    code_channel: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    payments: Mapped[list["Payment"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="(Payment.paid_on.desc(), Payment.id)"
    )
    letters: Mapped[list["Letter"]] = relationship(
        cascade="all, delete-orphan", order_by="(Letter.sent_on.desc(), Letter.id)"
    )


class Payment(db.Model):
    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    paid_on: Mapped[date]
    amount_cents: Mapped[int]
    benefit: Mapped[str] = mapped_column(String(80))
    paid_to_third_party: Mapped[bool] = mapped_column(default=False)
    # Who received it when it was not the allocataire, e.g. «votre propriétaire».
    third_party: Mapped[str | None] = mapped_column(String(80))

    account: Mapped[Account] = relationship(back_populates="payments")


class WebSession(db.Model):
    """Server-side session: the cookie carries only a random token, stored here hashed."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    data: Mapped[str] = mapped_column(default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class VerificationCode(db.Model):
    """A code sent to confirm a contact. Only a keyed hash of the code is stored."""

    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # "contact" (first login), "reset" (forgotten password), "change" (new contact details)
    # or "device" (sign-in from a new device): a code serves one purpose only.
    purpose: Mapped[str] = mapped_column(String(10), default="contact", server_default="contact")
    channel: Mapped[str] = mapped_column(String(4))
    destination: Mapped[str] = mapped_column(String(254))
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    wrong_tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    dead: Mapped[bool] = mapped_column(default=False)
    # Where its message is: "queued" (waiting for the worker), "sent", or "failed" (the
    # gateway refused it MESSAGE_SEND_ATTEMPTS times, or the queue did not take it).
    delivery: Mapped[str] = mapped_column(String(8), default="queued", server_default="sent")


class OutboxMessage(db.Model):
    """Development outbox: what would have been sent, readable at /dev/messages."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(4))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Letter(db.Model):
    """A letter (courrier) or mail (courriel) the Caf sent, readable in Mon Compte."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "courrier" or "courriel"
    sent_on: Mapped[date]
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str]  # paragraphs separated by blank lines
    read_at: Mapped[datetime | None]


class Attestation(db.Model):
    """An attestation de paiement issued as PDF; its reference lets anyone check it."""

    __tablename__ = "attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    period_start: Mapped[date]
    period_end: Mapped[date]
    total_cents: Mapped[int]
