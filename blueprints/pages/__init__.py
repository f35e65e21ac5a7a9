"""Pages that only inform: the welcome page, accessibility, and help for people who are stuck."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, request, url_for

from limits import parse as parse_limit

from domain import accessibility_statement as statement
from domain import guide, rgaa
from domain.codes import CODE_TTL
from domain.words import say
from services.database import db
from services.franceconnect import enabled as franceconnect_enabled
from flask_limiter.util import get_remote_address

from services.limiter import claimed_limit, limiter, wait_words
from services.models import Account, Attestation

bp = Blueprint("pages", __name__)

# Help pages linked from the sign-in page: address → (title, template).
HELP = {
    "nia": say("help.nia"),
    "pas-de-telephone-portable": say("help.no_mobile"),
    "plus-acces-adresse-mail": say("help.no_mail"),
    "numero-de-securite-sociale-oublie": say("help.nir_forgotten"),
}


@bp.get("/")
def home() -> str:
    return render_template("pages/home.html")


@bp.get("/accessibilite")
def accessibility() -> str:
    summary = rgaa.summary()
    return render_template(
        "pages/accessibility.html", rgaa=summary, status_words=statement.status_words(summary),
        failing=[c for c in rgaa.CRITERIA if c.status == "NC"],
        established_on=statement.ESTABLISHED_ON, tools=statement.TOOLS,
        browsers=statement.BROWSERS, screen_readers=statement.SCREEN_READERS,
        sample=[{"name": name, "path": url_for(endpoint)} for endpoint, name in statement.SAMPLE])


@bp.get("/sante")
@limiter.exempt
def health():
    """For the load balancer. 503 when the database does not answer: this process cannot
    serve. 200 «ok» when every store answers. 200 «degraded» when Redis does not: the
    limits then count in this process's memory and the sessions are read from the
    database, so the process still serves; taking every host out of the load balancer
    for that would turn a degraded service into none. Says nothing about any person."""
    checks = {}
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means «not ready»
        db.session.rollback()
        checks["database"] = "down"
    try:
        checks["rate_limits"] = "ok" if limiter.storage.check() else "down"
    except Exception:  # noqa: BLE001
        checks["rate_limits"] = "down"
    store = current_app.session_interface.store
    if hasattr(store, "check"):  # sessions in Redis (in the database, checked above)
        try:
            checks["sessions"] = "ok" if store.check() else "down"
        except Exception:  # noqa: BLE001
            checks["sessions"] = "down"
    if checks["database"] != "ok":
        status, code = "down", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    response = jsonify(status=status, **checks)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/accessibilite/criteres")
def accessibility_criteria() -> str:
    """The self-assessment, criterion by criterion (domain/rgaa.py)."""
    return render_template("pages/accessibility_criteria.html", themes=rgaa.THEMES,
                           criteria=rgaa.CRITERIA, status_names=statement.STATUS_NAMES)


@bp.get("/guide")
def guide_page() -> str:
    """The printed easy-to-read guide inside the app, each step with a picture of the screen."""
    return render_template("pages/guide.html", steps=guide.STEPS, pictures=_guide_pictures())


@lru_cache(maxsize=1)
def _guide_pictures() -> dict:
    """Sizes of the screenshots taken by `make guide-pictures` (static/guide/pictures.json)."""
    path = Path(current_app.static_folder) / "guide" / "pictures.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["pictures"]


@bp.get("/aider-une-personne")
def helpers() -> str:
    """For a social worker or a relative who helps someone sign in. Printable on one A4 sheet."""
    lock = parse_limit(current_app.config["LOGIN_LIMIT_PER_NIR"])
    return render_template("pages/helpers.html", lock_tries=lock.amount,
                           lock_wait=wait_words(lock.get_expiry()),
                           code_minutes=int(CODE_TTL.total_seconds() // 60))


@bp.get("/autre-mode-de-connexion")
def other_ways() -> str:
    return render_template("pages/other_ways.html", franceconnect=franceconnect_enabled())


@bp.get("/aide/<slug>")
def help_page(slug: str) -> str:
    if slug not in HELP:
        abort(404)
    return render_template(f"pages/help/{slug}.html", title=HELP[slug])


@bp.get("/verifier-une-attestation")
@claimed_limit(lambda: "60 per hour", "check-attestation", get_remote_address,
               lambda seconds: (render_template("errors/generic.html", code=429,
                                                wait=wait_words(seconds)), 429),
               methods=("GET",),
               exempt_when=lambda: "reference" not in request.args)
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
