"""The session time limit (issue 6, point 6; RGAA 13.1): said in advance on signed-in pages,
a hidden warning with «Rester connecté» for app.js to show 2 minutes before the end,
POST /session/prolonger to start the clock again, and after 30 minutes without activity the
sign-in page says in plain words that the session closed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, SESSION_COOKIE, change_session, csrf_from, page, session_row_for,
                           sign_in, token_digest)

HOME = "/mon-compte"
PROLONG = "/session/prolonger"
HX = {"HX-Request": "true"}
ENDED = "Pour votre sécurité, votre session s'est fermée après 30 minutes sans activité. Connectez-vous à nouveau."


def token(client) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def move_last_seen(app, value: str, back: timedelta):
    """Pretend the last activity of the session was `back` earlier than it was; returns it."""
    return change_session(app, token_digest(value), back=back)


def last_seen(app, value: str):
    row = session_row_for(app, value)
    return row[3] if row else None


def now():
    from services.models import utcnow

    return utcnow()


@pytest.fixture
def karim(client):
    """Karim signed in, Mon Compte shown once (so the session already holds its CSRF secret
    and a later page view writes nothing of its own)."""
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert client.get(HOME).status_code == 200
    return client


def test_the_default_idle_time_is_30_minutes(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 30


@pytest.mark.parametrize("url", [HOME, "/mon-compte/allocations", "/mon-compte/attestations",
                                 "/mon-compte/courriers", "/mon-compte/coordonnees"])
def test_signed_in_pages_say_the_time_limit_and_carry_the_hidden_warning(karim, url):
    response = karim.get(url)
    assert response.status_code == 200
    p = page(response)
    assert "Pour votre sécurité, la session se ferme après 30 minutes sans activité." in p.text
    # The page's clock starts from what the server has left, never more than 30 minutes.
    assert 29 * 60 <= int(p.one("body").get("data-session-seconds")) <= 30 * 60
    warning = p.by_id("session-warning")
    assert warning.has("hidden")
    assert warning.get("role") == "alert"
    assert "Votre session va se fermer dans 2 minutes" in warning.text
    form = p.one("form", action=PROLONG)
    assert form.get("method") == "post"
    assert p.button("Rester connecté").get("type") == "submit"
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">',
                     re.search(r'<div id="session-warning".*?</div>', p.html, re.DOTALL).group(0))


def test_pages_of_a_stranger_have_no_warning_and_no_clock(client):
    for url in ("/", "/connexion"):
        p = page(client.get(url))
        assert "session-warning" not in p.ids()
        assert p.one("body").get("data-session-seconds") is None


def test_rester_connecte_with_htmx_answers_204_and_starts_the_clock_again(app, karim):
    home = karim.get(HOME)
    value = token(karim)
    # 50 s ago: too recent for an ordinary page to write the row again (it does so once a
    # minute), so only «Rester connecté» can move it.
    before = move_last_seen(app, value, timedelta(seconds=50))
    assert karim.get(HOME).status_code == 200
    assert last_seen(app, value) == before
    response = karim.post(PROLONG, data={"csrf_token": csrf_from(home)}, headers=HX)
    assert response.status_code == 204
    assert response.get_data() == b""
    after = last_seen(app, value)
    assert after > before
    assert now() - after < timedelta(seconds=5)
    assert karim.get(HOME).status_code == 200


def test_rester_connecte_after_29_minutes_keeps_the_session(app, karim):
    home = karim.get(HOME)
    value = token(karim)
    move_last_seen(app, value, timedelta(minutes=29))
    response = karim.post(PROLONG, data={"csrf_token": csrf_from(home)}, headers=HX)
    assert response.status_code == 204
    move_last_seen(app, value, timedelta(minutes=29))  # 29 more minutes: 58 since sign-in
    assert karim.get(HOME).status_code == 200


def test_rester_connecte_without_script_goes_back_to_mon_compte(app, karim):
    home = karim.get(HOME)
    value = token(karim)
    before = move_last_seen(app, value, timedelta(seconds=50))
    response = karim.post(PROLONG, data={"csrf_token": csrf_from(home)})
    assert response.status_code == 303
    assert response.headers["Location"] == HOME
    assert last_seen(app, value) > before


@pytest.mark.parametrize("data", [{}, {"csrf_token": "forged"}])
def test_rester_connecte_with_htmx_needs_its_token(app, karim, data):
    value = token(karim)
    before = move_last_seen(app, value, timedelta(seconds=50))
    response = karim.post(PROLONG, data=data, headers=HX)
    assert response.status_code == 400
    assert last_seen(app, value) == before


def test_rester_connecte_without_script_and_without_token_is_a_400(app, karim):
    value = token(karim)
    before = move_last_seen(app, value, timedelta(seconds=50))
    response = karim.post(PROLONG, data={})
    assert last_seen(app, value) == before
    assert response.status_code == 400
    assert "la page a expiré" in page(response).text


def test_rester_connecte_when_not_signed_in_changes_nothing(app, client):
    login = client.get("/connexion")
    response = client.post(PROLONG, data={"csrf_token": csrf_from(login)}, headers=HX)
    assert response.status_code == 400
    response = client.post(PROLONG, data={"csrf_token": csrf_from(login)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"


def test_after_31_minutes_without_activity_the_session_is_closed_and_said_so(app, karim):
    value = token(karim)
    move_last_seen(app, value, timedelta(minutes=31))
    response = karim.get(HOME)
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
    assert session_row_for(app, value) is None
    sign_in_page = karim.get("/connexion")
    assert sign_in_page.status_code == 200
    p = page(sign_in_page)
    assert ENDED in p.text
    assert "votre session s'est fermée après 30 minutes" in p.text
    assert "session-warning" not in p.ids()
    # Said once: the next page no longer says it.
    assert ENDED not in page(karim.get("/connexion")).text
    # The old cookie opens nothing any more, and the person can sign in again.
    assert karim.get(HOME).status_code == 303
    assert sign_in(karim, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert karim.get(HOME).status_code == 200


def test_rester_connecte_too_late_does_not_bring_the_session_back(app, karim):
    home = karim.get(HOME)
    value = token(karim)
    move_last_seen(app, value, timedelta(minutes=31))
    response = karim.post(PROLONG, data={"csrf_token": csrf_from(home)}, headers=HX)
    assert response.status_code == 400  # app.js then posts the form: sign-in page, message
    assert session_row_for(app, value) is None
    assert karim.get(HOME).status_code == 303
    assert ENDED in page(karim.get("/connexion")).text


def test_signing_out_is_not_called_a_timeout(app, karim):
    home = karim.get(HOME)
    karim.post("/deconnexion", data={"csrf_token": csrf_from(home)})
    text = page(karim.get("/connexion")).text
    assert "Vous êtes déconnecté" in text
    assert "sans activité" not in text


def test_the_page_clock_and_the_server_clock_agree(app, karim):
    value = token(karim)
    move_last_seen(app, value, timedelta(seconds=59))  # last write 59 s ago
    home = karim.get(HOME)
    assert home.status_code == 200
    # The page's clock starts from what the server has left, not from a fresh 30 minutes.
    left = int(page(home).one("body").get("data-session-seconds"))
    assert 30 * 60 - 61 <= left <= 30 * 60 - 59
    # «Rester connecté» clicked 30 s before the page's own end is still in time.
    move_last_seen(app, value, timedelta(seconds=left - 30))
    response = karim.post(PROLONG, data={"csrf_token": csrf_from(home)}, headers=HX)
    assert response.status_code == 204, "«Rester connecté», clicked in time, ended the session"