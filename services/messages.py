"""Sending SMS and mail. Three ways out: the development outbox, SMTP, an HTTP SMS gateway.

In development nothing leaves the machine: every message lands in the outbox table,
readable at /dev/messages. Production sends by SMTP and through the SMS gateway.
"""
from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from services.database import db
from services.models import OutboxMessage


@dataclass(frozen=True)
class Message:
    to: str
    channel: str  # "sms" or "mail"
    body: str
    subject: str | None = None


class SendError(RuntimeError):
    """The message could not leave; the person is told and may try again."""


def _outbox(message: Message) -> None:
    db.session.add(OutboxMessage(to=message.to, channel=message.channel,
                                 subject=message.subject, body=message.body))
    db.session.commit()


def _smtp(message: Message) -> None:
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = message.to
    mail["Subject"] = message.subject or ""
    mail.set_content(message.body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError("mail not sent") from exc


def _sms_gateway(message: Message) -> None:
    config = current_app.config
    try:
        request = urllib.request.Request(
            config["SMS_GATEWAY_URL"], method="POST",
            data=json.dumps({"to": message.to, "text": message.body}).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {config['SMS_GATEWAY_TOKEN']}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            if not 200 <= response.status < 300:
                raise SendError(f"gateway answered {response.status}")
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise SendError("sms not sent") from exc


BACKENDS = {"outbox": _outbox, "smtp": _smtp, "http": _sms_gateway}


def send(message: Message) -> None:
    backend = current_app.config["MAIL_BACKEND" if message.channel == "mail" else "SMS_BACKEND"]
    BACKENDS[backend](message)
