"""Pages that only inform: the welcome page, accessibility, and help linked from sign-in."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    return render_template("pages/home.html")


@bp.get("/accessibilite")
def accessibility() -> str:
    return render_template("pages/accessibility.html")


@bp.get("/mot-de-passe-oublie")
def forgotten_password() -> str:
    return render_template("pages/forgotten_password.html")


@bp.get("/identifiant-provisoire")
def provisional_id() -> str:
    return render_template("pages/provisional_id.html")


@bp.get("/autre-mode-de-connexion")
def other_ways() -> str:
    return render_template("pages/other_ways.html")
