"""Pages that only inform: the welcome page, accessibility, and help for people who are stuck."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from services.franceconnect import enabled as franceconnect_enabled

bp = Blueprint("pages", __name__)

# Help pages linked from the sign-in page: address → (title, template).
HELP = {
    "nia": "Que faire avec un NIA ?",
    "pas-de-telephone-portable": "Je n'ai pas de téléphone portable",
    "plus-acces-adresse-mail": "Je n'ai plus accès à mon adresse mail",
    "numero-de-securite-sociale-oublie": "J'ai oublié mon numéro de sécurité sociale",
}


@bp.get("/")
def home() -> str:
    return render_template("pages/home.html")


@bp.get("/accessibilite")
def accessibility() -> str:
    return render_template("pages/accessibility.html")


@bp.get("/autre-mode-de-connexion")
def other_ways() -> str:
    return render_template("pages/other_ways.html", franceconnect=franceconnect_enabled())


@bp.get("/aide/<slug>")
def help_page(slug: str) -> str:
    if slug not in HELP:
        abort(404)
    return render_template(f"pages/help/{slug}.html", title=HELP[slug])
