"""Sending SMS and mail. Three ways out: the development outbox, SMTP, an HTTP SMS gateway.

In development nothing leaves the machine: every message lands in the outbox table,
readable at /dev/messages. Production sends by SMTP and through the SMS gateway.
Only the worker calls `send` (services/queue.py): a request puts its message in the queue.
"""
from __future__ import annotations

import json
import smtplib
import socket
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
    """The message could not leave. `reason` is its class, for the logs (never its content):
    timeout, refused (no connection), rejected (the gateway or server said no)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(error: Exception) -> str:
    if isinstance(error, (TimeoutError, socket.timeout)) or "timed out" in str(error):
        return "timeout"
    if isinstance(error, (ConnectionError, urllib.error.URLError, smtplib.SMTPConnectError,
                          smtplib.SMTPServerDisconnected, OSError)) and not isinstance(
            error, (urllib.error.HTTPError, smtplib.SMTPResponseException)):
        return "refused"
    return "rejected"


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
        raise SendError(_reason(exc)) from None


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
                raise SendError("rejected")
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise SendError(_reason(exc)) from None


BACKENDS = {"outbox": _outbox, "smtp": _smtp, "http": _sms_gateway}


def send(message: Message) -> None:
    backend = current_app.config["MAIL_BACKEND" if message.channel == "mail" else "SMS_BACKEND"]
    BACKENDS[backend](message)
