"""The development outbox: every SMS and mail the app would have sent, newest first.

Registered only when DEV_TOOLS is on (never in production), so both URLs answer 404 there.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from services.database import db
from services.models import OutboxMessage

bp = Blueprint("dev", __name__, url_prefix="/dev")


def _messages() -> list[OutboxMessage]:
    return list(db.session.execute(
        db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    ).scalars())


@bp.get("/messages")
def messages() -> str:
    return render_template("dev/messages.html", messages=_messages())


@bp.get("/messages.json")
def messages_json():
    return jsonify([
        {"to": m.to, "channel": m.channel, "subject": m.subject, "body": m.body,
         "sent_at": m.sent_at.isoformat() + "Z"}
        for m in _messages()
    ])
