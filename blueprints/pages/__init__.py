"""Pages that only inform: the welcome page, accessibility, and help for people who are stuck."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request

from services.database import db
from services.franceconnect import enabled as franceconnect_enabled
from services.limiter import limiter
from services.models import Account, Attestation

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


@bp.get("/verifier-une-attestation")
@limiter.limit("60 per hour", exempt_when=lambda: "reference" not in request.args)
def check_attestation():
    """For a landlord or a school: is this attestation de paiement genuine?"""
    typed = request.args.get("reference", "")[:40]
    found = None
    if typed:
        reference = "".join(ch for ch in typed.upper() if ch.isalnum())
        reference = "-".join(reference[i:i + 4] for i in range(0, len(reference), 4))
        found = db.session.execute(
            db.select(Attestation).filter_by(reference=reference)).scalar_one_or_none()
    account = db.session.get(Account, found.account_id) if found else None
    status = 404 if typed and found is None else 200
    return render_template("pages/check_attestation.html", typed=typed, found=found,
                           account=account), status


@bp.get("/installer-l-application")
def install_help() -> str:
    return render_template("pages/install.html")


@bp.get("/hors-ligne")
def offline() -> str:
    return render_template("pages/offline.html")


@bp.get("/manifest.webmanifest")
def manifest():
    response = make_response(render_template("pages/manifest.webmanifest"))
    response.headers["Content-Type"] = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """Served from the root so that it may answer for every page when the network drops."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Content-Type"] = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response
