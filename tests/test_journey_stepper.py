"""The journey draws its own stepper (issue 16, item 3): one numbering, from domain/journey.py
(the stages) and domain/guide.py (their words and the guide's steps), that the steppers, the
page titles, the guide markers and the home page's list all agree with."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string

from domain import guide, journey
from domain.journey import RESET_STAGES, STAGES, ResetStep, Step
from flask_helpers import Page, normalize_text, page
from test_first_login import CGU_URL, CONTACT_URL, PASSWORD_URL, give_contact, sign_in_at

GUIDE_WORDS = ["Mon profil", "Contact", "Saisie", "Fin"]  # the guide's stepper, as printed


# --- the stages, without Flask ----------------------------------------------------------------

def test_the_first_login_has_the_guides_four_stages_and_no_recapitulatif():
    names = [stage.name for stage in guide.FIRST_LOGIN_STAGES]
    assert names == GUIDE_WORDS
    assert [stage.steps for stage in STAGES] == [
        (Step.CGU, Step.PASSWORD), (Step.CONTACT,), (Step.CODE,), (Step.DONE,)]


def test_every_step_is_in_exactly_one_stage_in_the_journeys_order():
    for stages, steps in ((STAGES, list(Step)), (RESET_STAGES, list(ResetStep))):
        assert [step for stage in stages for step in stage.steps] == steps


def test_every_step_but_done_is_a_page_with_its_stepper():
    for step in Step:
        where = guide.stepper(journey.page_for(step))
        if step is Step.DONE:
            assert where is None  # Mon Compte ends the journey: no stepper there
        else:
            assert where and where.journey == "first_login" and where.total == 4


@pytest.mark.parametrize(("endpoint", "number", "name"), [
    ("first_login.cgu", 1, "Mon profil"),
    ("first_login.password", 1, "Mon profil"),
    ("first_login.contact", 2, "Contact"),
    ("first_login.code", 3, "Saisie"),
])
def test_each_first_login_page_has_its_number(endpoint, number, name):
    where = guide.stepper(endpoint)
    assert (where.current, where.total, where.name) == (number, 4, name)


@pytest.mark.parametrize(("endpoint", "number"), [
    ("password_reset.start", 1), ("password_reset.code", 2), ("password_reset.choose", 3)])
def test_each_reset_page_has_its_number(endpoint, number):
    where = guide.stepper(endpoint)
    assert (where.journey, where.current, where.total) == ("password_reset", number, 3)


@pytest.mark.parametrize("endpoint", ["auth.sign_in", "auth.new_device", "account.home",
                                      "account.contact_code", "pages.home", None])
def test_a_page_of_no_journey_has_no_stepper(endpoint):
    assert guide.stepper(endpoint) is None


def test_the_stages_cover_the_guide_steps_4_to_10_once_in_order():
    carried = [stage.guide_steps for stage in guide.FIRST_LOGIN_STAGES]
    assert all(carried), "a stage that carries no step of the guide"
    flat = [n for numbers in carried for n in numbers]
    assert flat == list(range(4, 11))  # consecutive, increasing, each once


def test_the_marker_and_the_stepper_come_from_the_same_steps():
    for stage in guide.FIRST_LOGIN_STAGES:
        for value in stage.steps:
            step = Step(value)
            text, first = guide.marker(journey.page_for(step))
            assert guide.PAGE_STEPS[journey.page_for(step)] == guide.JOURNEY_STEPS[step]
            assert first == guide.JOURNEY_STEPS[step][0] and first in stage.guide_steps
            assert str(first) in text
    assert guide.marker("auth.sign_in") == ("Étapes 1 à 3 du guide", 1)


def test_the_reset_stages_carry_no_guide_step():
    # ResetStep.CODE is not Step.CODE: the guide's step 9 stays the first login's
    assert all(stage.guide_steps == () for stage in guide.stages(journey.PASSWORD_RESET))
    assert ResetStep.CODE != Step.CODE


# --- the pages -------------------------------------------------------------------------------

def stepper_of(p) -> tuple[str, str]:
    box = p.one("div", class_="stepper")
    return (re.sub(r"\s+", " ", box.text).replace(" (fait)", ""),
            p.one("li", aria_current="step").text)


@pytest.mark.parametrize(("state", "url", "number", "title"), [
    ("cgu", CGU_URL, 1, "Étape 1 sur 4 – Mon profil – Conditions générales d'utilisation"),
    ("password", PASSWORD_URL, 1, "Étape 1 sur 4 – Mon profil – Mon mot de passe"),
    ("contact", CONTACT_URL, 2, "Étape 2 sur 4 – Contact"),
])
def test_each_first_login_page_shows_its_stage(app, client, state, url, number, title):
    sign_in_at(app, client, state)
    p = page(client.get(url))
    assert normalize_text(p.title) == f"{title} – Mon Compte Caf"
    words, current = stepper_of(p)
    assert words == f"Étape {number} sur 4 1 Mon profil 2 Contact 3 Saisie 4 Fin"
    assert current.endswith(GUIDE_WORDS[number - 1])
    done = [li.text for li in p.all("li", class_="is-done")]
    assert done == [f"{n} {GUIDE_WORDS[n - 1]} (fait)" for n in range(1, number)]
    assert "Récapitulatif" not in p.text


def test_a_refused_contact_keeps_its_stepper_and_says_error_in_the_title(app, client):
    sign_in_at(app, client, "contact")
    p = page(give_contact(client, mobile="", email=""))
    assert p.title.startswith("Erreur : Étape 2 sur 4 – Contact")
    assert stepper_of(p)[1].endswith("Contact")


def test_the_home_page_counts_the_stages_of_the_stepper(client):
    p = page(client.get("/"))
    assert "La première fois, il y a 4 étapes" in p.text
    heading = next(h for h in p.all("h2") if "La première fois" in h.text)
    assert heading.text == "La première fois, il y a 4 étapes"
    p.one("ol", class_="steps")
    items = [normalize_text(li.text) for li in p.all("li") if li.text.split(" : ")[0] in GUIDE_WORDS]
    assert [item.split(" : ")[0] for item in items] == GUIDE_WORDS
    assert items[0] == ("Mon profil : J'accepte les conditions générales d'utilisation. "
                        "C'est les CGU. Je crée mon nouveau mot de passe.")
    assert items[2] == "Saisie : J'écris le code que je reçois par SMS ou par mail."


def test_the_reset_start_page_draws_its_caption_and_its_list(client):
    p = page(client.get("/mot-de-passe-oublie"))
    assert p.title == "Mot de passe oublié – étape 1 sur 3 – Mon Compte Caf"
    assert p.one("p", class_="caption").text == "Mot de passe oublié – étape 1 sur 3"
    assert "Il y a 3 étapes :" in p.text
    p.one("ol", class_="steps")
    assert [li.text for li in p.all("li") if li.text.startswith("vous ")] == [
        "vous écrivez votre numéro de sécurité sociale,",
        "vous écrivez le code que nous vous envoyons par SMS ou par mail,",
        "vous créez votre nouveau mot de passe."]


# --- the macro for the code page (templates/components/code_step.html) ----------------------

BLOCK = ('{% from "macros/ui.html" import journey_stepper_block, journey_title with context %}'
         '<title>{{ journey_title("Vérification du code") }}</title>{{ journey_stepper_block() }}')


@pytest.mark.parametrize(("url", "title", "shown"), [
    ("/premiere-connexion/code", "Étape 3 sur 4 – Saisie – Vérification du code",
     "Étape 3 sur 4 1 Mon profil 2 Contact 3 Saisie 4 Fin"),
    ("/mot-de-passe-oublie/code", "Mot de passe oublié – étape 2 sur 3 – Le code reçu – "
     "Vérification du code", "Mot de passe oublié – étape 2 sur 3"),
    ("/connexion/nouvel-appareil", "Vérification du code", ""),
    ("/mon-compte/coordonnees/code", "Vérification du code", ""),
    ("/premiere-connexion/code/nouveau", "Étape 3 sur 4 – Saisie – Vérification du code",
     "Étape 3 sur 4 1 Mon profil 2 Contact 3 Saisie 4 Fin"),  # a refused new code: the code page
    ("/mot-de-passe-oublie/code/nouveau", "Mot de passe oublié – étape 2 sur 3 – Le code reçu – "
     "Vérification du code", "Mot de passe oublié – étape 2 sur 3"),
])
def test_the_code_pages_block_draws_the_stepper_of_its_journey_only(app, url, title, shown):
    with app.test_request_context(url, method="POST" if url.endswith("/nouveau") else "GET"):
        p = page_of(render_template_string(BLOCK))
    assert p.title == title
    assert re.sub(r"\s+", " ", p.text.replace(title, "", 1)).replace(" (fait)", "").strip() == shown


def test_a_refused_new_code_keeps_the_guide_marker_of_the_code_page():
    assert guide.marker("first_login.new_code") == guide.marker("first_login.code") == (
        "Étape 9 du guide", 9)


def test_every_endpoint_the_journeys_name_exists(app):
    endpoints = set(app.view_functions)
    named = {page for j in journey.JOURNEYS for page in j.pages.values()}
    named |= set(journey.SHOWN_BY) | set(journey.SHOWN_BY.values()) | set(guide.PAGE_STEPS)
    assert named <= endpoints, named - endpoints


def page_of(html: str) -> Page:
    return Page(f"<body>{html}</body>")


# --- the guide and the helpers' page say the same numbering -------------------------------

def test_the_guide_says_which_stage_of_the_screen_each_step_is(client):
    p = page(client.get("/guide"))
    screen = {int(li.get("id").removeprefix("etape-")):
              re.findall(r"« Étape \d sur 4 »", normalize_text(li.text))
              for li in p.all("li", class_="guide-step")}
    assert screen == {1: [], 2: [], 3: [], 4: ["« Étape 1 sur 4 »"], 5: ["« Étape 1 sur 4 »"],
                      6: ["« Étape 1 sur 4 »"], 7: ["« Étape 2 sur 4 »"], 8: ["« Étape 2 sur 4 »"],
                      9: ["« Étape 3 sur 4 »"], 10: [], 11: []}


def test_the_helpers_page_names_the_stages(client):
    p = page(client.get("/aider-une-personne"))
    assert "La première connexion a 4 étapes : Mon profil, Contact, Saisie, Fin." in p.text
