"""What every form shares: CSRF in plain words, and the list the error summary shows."""
from __future__ import annotations

from flask_wtf import FlaskForm

from domain.words import say

CSRF_MESSAGE = say("form.csrf")


class BaseForm(FlaskForm):
    def csrf_failed(self) -> bool:
        return bool(self.errors.get("csrf_token"))

    def summary(self) -> list[tuple[str | None, str]]:
        """(field id, message) pairs for the error summary, in the order of the fields."""
        items: list[tuple[str | None, str]] = []
        if self.csrf_failed():
            items.append((None, CSRF_MESSAGE))
        for f in self:
            if f.name != "csrf_token" and f.errors:
                items.append((f.id, f.errors[0]))
        return items


class ActionForm(BaseForm):
    """A button with its CSRF token: «Quitter», «Demander l'envoi d'un nouveau code»…"""
