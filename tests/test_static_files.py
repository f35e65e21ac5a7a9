"""Issue 9: static files under names carrying their content hash, kept a year by the browser,
compressed once; the benchmark's Server-Timing header only when asked for."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import brotli

from app import create_app

ROOT = Path(__file__).resolve().parent.parent


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_static_files_by_hashed_name(client) -> None:
    urls = _static_urls(client.get("/connexion").get_data(as_text=True))
    assert {u.split("/static/")[1].split(".")[0] for u in urls} >= {"css/app", "js/app", "js/htmx"}
    for url in urls:
        name = url.split("/static/")[1]
        assert "?" not in url
        match = re.match(r"^(.+)\.([0-9a-f]{10})(\.\w+)$", name)
        assert match, f"{url} has no content hash in its name"
        real = ROOT / "static" / (match[1] + match[3])
        assert hashlib.sha256(real.read_bytes()).hexdigest()[:10] == match[2]


def test_a_hashed_file_is_kept_a_year_without_validators(client) -> None:
    url = next(u for u in _static_urls(client.get("/connexion").get_data(as_text=True)) if "/js/htmx" in u)
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == (ROOT / "static/js/htmx.min.js").read_bytes()
    for useless in ("Expires", "Last-Modified", "ETag", "Content-Disposition"):
        assert useless not in response.headers, useless
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_an_old_hash_still_answers_but_is_not_kept(client) -> None:
    response = client.get("/static/css/app.0123456789.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert client.get("/static/css/nothing.0123456789.css").status_code == 404


def test_pages_are_never_cached_and_keep_their_security_policy(client) -> None:
    response = client.get("/connexion")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_server_timing_is_off_unless_asked(client, tmp_path) -> None:
    assert "Server-Timing" not in client.get("/connexion").headers
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SERVER_TIMING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    timing = app.test_client().get("/").headers["Server-Timing"]
    assert re.fullmatch(r"app;dur=\d+\.\d\d", timing)


def test_live_fragments_are_not_kept_and_carry_the_security_headers(client) -> None:
    from tests.flask_helpers import get_csrf

    token = get_csrf(client, "/connexion")
    response = client.post("/connexion/numero", data={"nir": "2 84 05", "csrf_token": token},
                           headers={"HX-Request": "true", "Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for header in ("Content-Security-Policy", "Referrer-Policy", "Permissions-Policy"):
        assert header in response.headers, header
