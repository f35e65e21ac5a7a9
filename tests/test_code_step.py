"""The one code step (blueprints/code_step.py), tried on its four uses the way a person
meets a refused new code (issue 16): press «Demander l'envoi d'un nouveau code» too soon,
then reload the answer, press Enter in the address bar (a GET of the POST-only address),
go back: always a page with the code field and the wait, never «Demande impossible». Once
the wait is over the message goes, and the code still works."""
from __future__ import annotations

import re
import time

import pytest

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           app_on_copy, get_csrf, page, sign_in)

WAIT = re.compile(r"Vous avez déjà demandé un code\. Attendez (\d+) secondes? avant d'en "
                  r"demander un autre\.")


@pytest.fixture
def device_app(tmp_path, template_db):
    yield from app_on_copy(tmp_path, template_db, "device.db", NEW_DEVICE_CHECK=True)


def newest_code(client) -> str:
    return re.search(r"\b(\d{6})\b", client.get("/dev/messages.json").get_json()[0]["body"]).group(1)


def first_login(client) -> str:
    sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    client.post("/premiere-connexion/conditions", data={
        "csrf_token": get_csrf(client, "/premiere-connexion/conditions"), "accept": "y"})
    client.post("/premiere-connexion/mot-de-passe", data={
        "csrf_token": get_csrf(client, "/premiere-connexion/mot-de-passe"),
        "new_password": "Soleil2024Mars", "confirm_password": "Soleil2024Mars"})
    response = client.post("/premiere-connexion/coordonnees", data={
        "csrf_token": get_csrf(client, "/premiere-connexion/coordonnees"),
        "email": "v.f@example.org", "channel": "mail"})
    assert response.headers["Location"] == "/premiere-connexion/code", page(response).text
    return "/premiere-connexion/code"


def new_device(client) -> str:
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == \
        "/connexion/nouvel-appareil"
    return "/connexion/nouvel-appareil"


def password_reset(client) -> str:
    response = client.post("/mot-de-passe-oublie", data={
        "csrf_token": get_csrf(client, "/mot-de-passe-oublie"), "nir": KARIM_NIR})
    assert response.headers["Location"] == "/mot-de-passe-oublie/code"
    return "/mot-de-passe-oublie/code"


def contact_change(client) -> str:
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    response = client.post("/mon-compte/coordonnees", data={
        "csrf_token": get_csrf(client, "/mon-compte/coordonnees"), "mobile": "06 12 34 56 78",
        "email": "karim.nouveau@example.org", "channel": "mail"})
    assert response.headers["Location"] == "/mon-compte/coordonnees/code"
    return "/mon-compte/coordonnees/code"


USES = {"first_login": (first_login, "app"), "new_device": (new_device, "device_app"),
        "password_reset": (password_reset, "app"), "contact_change": (contact_change, "app")}


@pytest.fixture(params=sorted(USES))
def at_code(request):
    """(app, client, code page) for each use, a code just sent."""
    reach, app_fixture = USES[request.param]
    app = request.getfixturevalue(app_fixture)
    client = app.test_client()
    return app, client, reach(client)


def assert_code_page_with_wait(response, status: int = 200) -> int:
    assert response.status_code == status, response.status_code
    p = page(response)
    assert "Demande impossible" not in p.text
    assert p.html.count('name="code"') == 1, "the code field"
    assert "Valider le code" in p.text
    match = WAIT.search(p.text)
    assert match, p.text
    return int(match.group(1))


def test_a_refused_new_code_then_reload_enter_and_back_always_show_the_field_and_the_wait(at_code):
    app, client, code_url = at_code
    resend = code_url + "/nouveau"
    token = get_csrf(client, code_url)
    refused = client.post(resend, data={"csrf_token": token})
    first_wait = assert_code_page_with_wait(refused, 429)
    assert 1 <= first_wait <= 30
    assert refused.headers["Retry-After"] == str(first_wait)

    # Reload: the browser sends the same form again; the same page, still refused.
    assert_code_page_with_wait(client.post(resend, data={"csrf_token": token}), 429)

    # Enter in the address bar: a GET of the form's address leads back to the code page.
    entered = client.get(resend)
    assert (entered.status_code, entered.headers["Location"]) == (303, code_url)
    assert assert_code_page_with_wait(client.get(code_url)) <= first_wait

    # Back (or a reload of the code page itself): the wait is still said.
    assert assert_code_page_with_wait(client.get(code_url)) <= first_wait

    # The live check's address, typed in the address bar, leads back too.
    live = client.get(code_url + "/saisie")
    assert (live.status_code, live.headers["Location"]) == (303, code_url)


def test_the_wait_goes_when_it_is_over_and_the_code_still_works(at_code, monkeypatch):
    app, client, code_url = at_code
    token = get_csrf(client, code_url)
    assert_code_page_with_wait(client.post(code_url + "/nouveau", data={"csrf_token": token}), 429)
    later = time.time() + 31
    monkeypatch.setattr("blueprints.code_step.time.time", lambda: later)
    response = client.get(code_url)
    assert response.status_code == 200
    assert not WAIT.search(page(response).text)
    monkeypatch.undo()
    done = client.post(code_url, data={"csrf_token": get_csrf(client, code_url),
                                       "code": newest_code(client)})
    assert done.status_code == 303, page(done).text
    assert done.headers["Location"] != code_url


def test_a_forged_new_code_request_keeps_nothing_in_the_session(at_code):
    """Without the page's token the refusal is said once, not kept (nothing of a forged
    request stays)."""
    app, client, code_url = at_code
    forged = client.post(code_url + "/nouveau", data={})
    assert forged.status_code == 429
    assert WAIT.search(page(forged).text)
    assert not WAIT.search(page(client.get(code_url)).text)


def test_every_use_draws_the_one_template(at_code):
    """The four pages come from templates/components/code_step.html: one field, one button,
    one «Vous n'avez rien reçu ?», the minutes from domain/codes.py."""
    app, client, code_url = at_code
    p = page(client.get(code_url))
    assert p.text.count("Vous n'avez rien reçu ?") == 1
    assert "Demander l'envoi d'un nouveau code" in p.text
    assert "Le code marche pendant 10 minutes." in p.text
    assert f'action="{code_url}"' in p.html
    assert f'data-hx-post="{code_url}/saisie"' in p.html


def test_the_stepper_and_the_guide_marker_are_the_journeys_even_on_a_refusal(at_code):
    """The code page of the first login is stage 3 «Saisie» of 4 and guide step 9; the
    reset's is its step 2 of 3; the device and coordonnées pages are no journey step. The
    same on the 429 drawn at the new-code address."""
    app, client, code_url = at_code
    shown = page(client.get(code_url))
    refused = page(client.post(code_url + "/nouveau",
                               data={"csrf_token": get_csrf(client, code_url)}))
    for p in (shown, refused):
        if code_url.startswith("/premiere-connexion"):
            assert "Étape 3 sur 4" in p.text and "Étape 9 du guide" in p.text
            assert re.search(r'aria-current="step"[^>]*>\s*<span[^>]*>3</span> Saisie', p.html)
            assert "Récapitulatif" not in p.text
        elif code_url.startswith("/mot-de-passe-oublie"):
            assert "Mot de passe oublié – étape 2 sur 3" in p.text
        else:
            assert 'class="stepper"' not in p.html and "du guide" not in p.text
