"""NIA and help for people who are stuck (issue 4, parts 3 and 4), with the Flask test client.

A number starting with 7 or 8 (9 characters or more) is a NIA: the sign-in error leads
to «Que faire avec un NIA ?» (/aide/nia). The sign-in page links three short FALC
answers; an unknown help page is the FALC 404 page.
"""
from __future__ import annotations

import re

import pytest

from flask_helpers import get_csrf, normalize_text, page, sign_in

NIA_LINK = "Que faire avec un NIA ?"
HELP = {
    "Je n'ai pas de téléphone portable": "/aide/pas-de-telephone-portable",
    "Je n'ai plus accès à mon adresse mail": "/aide/plus-acces-adresse-mail",
    "J'ai oublié mon numéro de sécurité sociale": "/aide/numero-de-securite-sociale-oublie",
}
# What each answer must say to be of use: the next thing to do.
USEFUL = {
    "/aide/nia": ["numéro d'identification d'attente", "7 ou 8", "identifiant provisoire", "32 30"],
    "/aide/pas-de-telephone-portable": ["adresse mail", "32 30"],
    "/aide/plus-acces-adresse-mail": ["SMS", "32 30"],
    "/aide/numero-de-securite-sociale-oublie": ["carte Vitale", "identifiant provisoire"],
}


def main_of(response):
    return page(response).one("main")


def assert_falc_paragraphs(response) -> None:
    """Every sentence of every paragraph and list item in <main>: 15 words at most."""
    p = page(response)
    for element in p.all("p") + p.all("li"):
        for sentence in re.split(r"(?<=[.!?:])\s+", normalize_text(element.text)):
            assert len(sentence.split()) <= 15, f"{len(sentence.split())} words: {sentence!r}"


# --- NIA ------------------------------------------------------------------------------------

@pytest.mark.parametrize("nia", ["7 84 05 75 108 123", "8 84 05 75 108 123", "712345678",
                                 "8 12 34 56 78 90 12 3"])
def test_a_nia_on_the_sign_in_page_links_to_its_help_page(client, nia):
    response = sign_in(client, nia, "Jardin75Bleu")
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert f"Ce numéro commence par {nia[0]}." in p.text
    assert "C'est un numéro provisoire : un NIA." in p.text
    assert p.link(NIA_LINK).get("href") == "/aide/nia"


@pytest.mark.parametrize("typed", ["7654321", "71234567", "1 75 01 69 123", "6 84 05 75 108 123", ""])
def test_other_mistakes_have_no_nia_link(client, typed):
    response = sign_in(client, typed, "Jardin75Bleu")
    assert response.status_code == 400
    assert NIA_LINK not in page(response).text


def test_the_live_message_for_a_nia_has_the_link_too(client):
    token = get_csrf(client)
    response = client.post("/connexion/numero", data={"csrf_token": token, "nir": "7 84 05 75 108 123"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'href="/aide/nia"' in response.get_data(as_text=True)


def test_the_nia_page_says_what_it_is_why_and_what_to_do(client):
    response = client.get("/aide/nia")
    assert response.status_code == 200
    p = page(response)
    assert p.one("h1").text == NIA_LINK
    assert p.title == "Que faire avec un NIA ? – Aide – Mon Compte Caf"
    text = normalize_text(main_of(response).text)
    for words in USEFUL["/aide/nia"]:
        assert words in text, words
    assert "NIA veut dire numéro d'identification d'attente." in text
    headings = [h.text for h in p.all("h2")]
    assert "Qu'est-ce qu'un NIA ?" in headings and "Que faire ?" in headings
    assert p.link("J'ai un identifiant provisoire").get("href") == "/identifiant-provisoire"
    assert p.link("Revenir à la connexion").get("href") == "/connexion"
    assert_falc_paragraphs(response)


def test_a_nia_on_the_forgotten_password_page_links_to_its_help_page_too(client):
    response = client.post("/mot-de-passe-oublie", data={
        "csrf_token": get_csrf(client, "/mot-de-passe-oublie"), "nir": "7 84 05 75 108 123"})
    assert response.status_code == 400
    assert "C'est un numéro provisoire : un NIA." in page(response).text
    assert page(response).link(NIA_LINK).get("href") == "/aide/nia"


# --- help for people who are stuck ----------------------------------------------------------

def test_the_sign_in_page_links_the_three_help_pages(client):
    p = page(client.get("/connexion"))
    for text, url in HELP.items():
        assert p.link(text).get("href") == url


@pytest.mark.parametrize(("text", "url"), list(HELP.items()), ids=list(HELP.values()))
def test_each_help_page_answers_in_falc_and_says_what_to_do(client, text, url):
    response = client.get(url)
    assert response.status_code == 200
    p = page(response)
    assert p.one("h1").text == text
    assert p.title == f"{text} – Aide – Mon Compte Caf"
    main = normalize_text(main_of(response).text)
    for words in USEFUL[url]:
        assert words in main, words
    assert len(main.split()) < 200, "a short answer"
    assert p.link("Revenir à la connexion").get("href") == "/connexion"
    assert_falc_paragraphs(response)


def test_each_help_page_has_its_own_title(client):
    titles = [page(client.get(url)).title for url in [*HELP.values(), "/aide/nia"]]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("url", ["/aide/xyz", "/aide/_layout", "/aide/NIA", "/aide/nia.html",
                                 "/aide/..%2Fbase", "/aide/" + "a" * 500])
def test_an_unknown_help_page_is_the_falc_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    p = page(response)
    assert p.one("h1").text == "Page introuvable"
    assert "Cette page n'existe pas." in p.text
    assert p.link("Aller à l'accueil").get("href") == "/"
