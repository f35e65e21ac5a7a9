"""What every page shares: error pages, security headers, template helpers."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import time
from datetime import date
from urllib.parse import urlsplit
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, flash, redirect, render_template, request, session, url_for
from werkzeug.security import safe_join
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from domain import guide
from domain.formatting import euros, long_date, short_date
from domain.words import say
from services.audit_log import security_event
from services.database import db

# The database does not answer: a 503 page, not a 500 (services/web.py, error handlers).
DATABASE_DOWN = (OperationalError, InterfaceError, PendingRollbackError)

# For what is never shown as a page (static files, live fragments): nothing may load or run.
NOT_A_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute address on this site, built from PUBLIC_URL (services/config.py), never
    from the request's Host header (which anyone can set)."""
    from flask import current_app

    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + url_for(endpoint, _external=False, **values)


def content_security_policy(app: Flask) -> str:
    """Only our own origin: no third-party request, no inline script or style. Forms may
    also lead to FranceConnect, whose sign-in and logout pages they redirect to."""
    issuer = urlsplit(app.config.get("FRANCECONNECT_ISSUER") or "")
    form_action = "'self'" + (f" {issuer.scheme}://{issuer.netloc}" if issuer.netloc else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )


@lru_cache(maxsize=64)
def _static_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


# «css/app.1b9dfb2b71.css»: a static file's name with the hash of its content.
_HASHED_NAME = re.compile(r"^(?P<base>.+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
ONE_YEAR = 365 * 24 * 3600


def static_url(app: Flask, filename: str) -> str:
    """The URL of a static file with the hash of its content in its name, so that a browser
    keeps it a year and never asks again; a new version has a new name."""
    path = Path(app.static_folder or "static") / filename
    stem, dot, ext = filename.rpartition(".")
    digest = _static_hash(str(path), path.stat().st_mtime)
    return url_for("static", filename=f"{stem}.{digest}.{ext}" if dot else f"{filename}.{digest}")


def _serve_static(app: Flask):
    """Flask's static view, taught hashed names: the current file under its hashed name is
    cached for a year, «immutable»; any other name (an old hash after a deploy, the icons of
    the manifest) is served with a short cache."""
    def serve(filename: str) -> Response:
        match = _HASHED_NAME.match(filename)
        if match:
            real = match["base"] + match["ext"]
            path = safe_join(app.static_folder or "static", real)
            if path and os.path.isfile(path):
                request.view_args["filename"] = real  # the precompressed copy is looked up by it
                response = app.send_static_file(real)
                if _static_hash(path, os.path.getmtime(path)) == match["hash"]:
                    response.cache_control.max_age = ONE_YEAR
                    response.cache_control.public = True
                    response.cache_control.immutable = True
                    # Never asked again: no validator or date is needed, and on a slow
                    # network every header byte counts.
                    for header in ("Expires", "Last-Modified", "ETag", "Content-Disposition",
                                   "Accept-Ranges"):
                        response.headers.pop(header, None)
                return response
        return app.send_static_file(filename)

    return serve


@lru_cache(maxsize=64)
def _compressed(path: str, mtime: float, encoding: str) -> bytes:
    # Static files are compressed once, at the best level: a phone on a slow network
    # downloads htmx in about 15 KB instead of 17 KB.
    data = Path(path).read_bytes()
    return brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9)


def _precompressed_static(app: Flask, response: Response) -> Response:
    accepted = request.headers.get("Accept-Encoding", "")
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
    if (request.endpoint != "static" or response.status_code != 200 or encoding is None
            or response.mimetype not in app.config["COMPRESS_MIMETYPES"]):
        return response
    path = safe_join(app.static_folder or "static", request.view_args.get("filename", ""))
    if path is None or not os.path.isfile(path):
        return response
    etag, _ = response.get_etag()
    response.direct_passthrough = False
    response.set_data(_compressed(path, os.path.getmtime(path), encoding))
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    if etag and not response.cache_control.immutable:
        response.set_etag(f"{etag}:{encoding}")
    return response


class _ServerTiming:
    """WSGI middleware: «Server-Timing: app;dur=0.41», from the request's arrival in the app
    to its answer's headers."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            headers.append(("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, timed_start_response)


def page_above(app: Flask, path: str) -> str | None:
    """For a GET of an address that only takes a form (a reload of its answer, Enter in the
    address bar): the nearest address above it that is a page («/premiere-connexion/code»
    for «…/code/nouveau»). That page sends the person on to where their journey is, and
    shows what is kept for them (the wait of a refused new code, blueprints/code_step.py).
    Post/Redirect/Get: never «Demande impossible» for a reload."""
    adapter = app.url_map.bind("localhost", script_name=request.script_root or None)
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
        except (RequestRedirect, HTTPException):  # not a page of its own (a redirect, a 404, a 405)
            continue
        return request.script_root + candidate
    return None


def register_web(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["csrf_token"] = generate_csrf  # for forms drawn without a FlaskForm
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["long_date"] = long_date

    @app.context_processor
    def helpers() -> dict:
        return {"static_url": lambda filename: static_url(app, filename), "today": date.today(),
                "guide_marker": guide.marker(request.endpoint),
                "journey_stepper": guide.stepper(request.endpoint),
                "first_login_stages": guide.FIRST_LOGIN_STAGES,
                "session_minutes": app.config["SESSION_IDLE_MINUTES"],
                "session_seconds_left": getattr(session, "seconds_left", None)
                or app.config["SESSION_IDLE_MINUTES"] * 60}

    csp = content_security_policy(app)

    @app.before_request
    def say_the_session_ended() -> None:
        # Said on the next page the person sees, not on a file the browser fetches alone.
        background = request.endpoint in ("static", "pages.offline", "pages.service_worker",
                                          "pages.manifest")
        if getattr(session, "timed_out", False) and not background:
            flash(say("session.timed_out", minutes=app.config["SESSION_IDLE_MINUTES"]))

    @app.before_request
    def read_the_body_first() -> None:
        """A body too long or malformed is refused here, with its own 4xx page, before any
        rate limit reads the form: Flask-Limiter takes an exception raised while it counts
        for a dead store and would switch this process to its in-memory fallback."""
        if request.method in ("POST", "PUT", "PATCH"):
            request.form  # noqa: B018 - parsing is the point: it raises 413 or 400 here
            if request.is_json:  # Flask-WTF reads a JSON body as the form: bad JSON is a 400
                request.get_json()

    app.view_functions["static"] = _serve_static(app)
    app.after_request(lambda response: _precompressed_static(app, response))

    if app.config.get("SERVER_TIMING"):
        # For the benchmark (`make bench`): the time the app spent on each answer, session
        # loading and saving included. Off by default: it would show how long a password
        # check took, which the forgotten-password pages hide behind a fixed answer time.
        app.wsgi_app = _ServerTiming(app.wsgi_app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Every answer carries them: pages, redirects, errors, live fragments, static files.
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.is_secure:
            # Served over HTTPS (directly, or behind the trusted proxy): never over HTTP again.
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint == "static" or request.headers.get("HX-Request") == "true":
            # A style sheet, script or image, or a live fragment that htmx puts into a page:
            # never a page itself, so the strictest policy, and the shortest (a phone on a
            # slow network pays for every header of every live check).
            headers.setdefault("Content-Security-Policy", NOT_A_PAGE_CSP)
        else:
            headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # Pages may show personal data: never keep them in a shared computer's cache.
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(getattr(error, "original_exception", None), DATABASE_DOWN):
            # Lost while saving the session, after the view: Flask hands it over as a 500.
            return database_unavailable(error.original_exception)
        code = error.code or 500
        if code == 405 and request.method in ("GET", "HEAD"):
            back = page_above(app, request.path)
            if back is not None:
                return redirect(back, code=303)
        template = "errors/404.html" if code == 404 else "errors/generic.html"
        return render_template(template, code=code), code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
    def database_unavailable(error: Exception):
        # The database does not answer (a restart, a failover): not a bug of the page. The
        # person is told to try again; the load balancer and clients see a 503 and when.
        security_event("database_unavailable", error=type(error).__name__)
        # Nothing of this request is kept, the session's changes neither: the browser keeps
        # the cookie it came with, so pressing again works once the database is back.
        session.modified = False
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
            db.session.remove()
        return render_template("errors/generic.html", code=503), 503, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:
        # One JSON line: the error's class, where in our code, its message scrubbed, the
        # request's id; never the traceback or locals, which may quote what the person
        # typed (services/audit_log.py, unhandled_error).
        from services.audit_log import unhandled_error

        unhandled_error(error)
        db.session.rollback()
        return render_template("errors/generic.html", code=500), 500
