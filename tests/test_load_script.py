"""`make load` (load/): the cheap parts, without any server — the virtual people's data,
the page checks, the cookies kept by hand, the figures of the report."""
from __future__ import annotations

import random
from datetime import date

from domain.contact import parse_email, parse_phone
from domain.nir import parse_nir
from domain.passwords import Person as RulesPerson, failures
from load.journey import Answer, Cookies, Expect, code_in, csrf_of, summary_of, title_of, verdict
from load.people import make_nir, people, typed
from load.report import page_table, percentile


def test_seeded_people_pass_the_app_rules_and_are_unique():
    crowd = people(0, 2500, seed=7)
    assert len({p.nir for p in crowd}) == len({p.address for p in crowd}) == len(crowd)
    assert len({p.client_ip for p in crowd}) == len(crowd)
    for p in crowd[:400]:
        assert parse_nir(p.typed_nir).value == p.nir  # 15 characters with the right key
        assert not failures(p.new_password, RulesPerson(nir=p.nir, birth_date=date.fromisoformat(p.birth_date)))
        if p.channel == "sms":
            assert parse_phone(p.mobile, mobile=True) == p.address
        else:
            assert parse_email(p.email) == p.address
    assert typed(make_nir(0)).count(" ") == 6


def test_verdict_needs_the_right_status_and_the_right_page():
    page = Answer(200, text="<title>Connexion – Mon Compte Caf</title><h1>Connexion à Mon Compte</h1>")
    assert verdict(page, Expect(200, contains=("<h1>Connexion à Mon Compte</h1>",))) is None
    assert "missing" in verdict(page, Expect(200, contains=("<h1>Mon Compte</h1>",)))
    back = Answer(303, location="/connexion")
    assert "sent back to sign-in" in verdict(back, Expect(303, location=("/premiere-connexion/code",)))
    assert verdict(Answer(303, location="/connexion"), Expect(303, location=("/connexion",))) is None
    assert verdict(Answer(500, text="<title>Erreur du site – Mon Compte Caf</title>"), Expect(200)) == \
        "500 (Erreur du site – Mon Compte Caf)"
    assert "sent back" in verdict(Answer(200, hx_redirect="/connexion"), Expect(200))
    assert verdict(Answer(0, error="timeout"), Expect(200)).startswith("no answer")


def test_tokens_codes_and_titles_are_read_from_the_pages():
    assert csrf_of('<input id="csrf_token" name="csrf_token" type="hidden" value="Ab.c-d">') == "Ab.c-d"
    assert code_in("Mon Compte Caf : votre code de vérification est 042917. Il marche 10 minutes.") == "042917"
    assert title_of("<title>Erreur : Connexion &amp; co</title>") == "Erreur : Connexion & co"
    page = ('<div class="error-summary" role="region"><h2>Il y a un problème</h2><ul>\n'
            '<li><a href="#code">Ce code a déjà servi. Demandez un nouveau code.</a></li></ul></div>')
    assert summary_of(page) == "Ce code a déjà servi. Demandez un nouveau code."
    assert "«Ce code a déjà servi" in verdict(Answer(400, text=page), Expect(303, location=("/mon-compte",)))


def test_cookies_are_kept_and_forgotten_like_a_browser():
    jar = Cookies()
    jar.keep(["moncompte_session=abc; Secure; HttpOnly; Path=/; SameSite=Lax"])
    assert jar.header() == {"Cookie": "moncompte_session=abc"}
    jar.keep(["moncompte_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; Path=/"])
    assert jar.header() == {}


def test_percentile_and_page_table():
    assert percentile([], 95) is None
    values = list(range(1, 101))
    random.Random(1).shuffle(values)
    assert percentile(values, 95) == 95 and percentile(values, 50) == 50 and percentile([7], 95) == 7
    samples = [["code POST", "POST", 10.0, 303, True, 0], ["connexion GET", "GET", 30.0, 200, True, 0],
               ["connexion GET", "GET", 10.0, 500, False, 0], ["connexion GET", "GET", 20.0, 200, True, 0]]
    rows = page_table(samples)
    assert [r["page"] for r in rows] == ["connexion GET", "code POST", "total"]  # journey order
    assert rows[0] == {"page": "connexion GET", "requests": 3, "failures": 1, "5xx": 1,
                       "median_ms": 20.0, "p95_ms": 30.0, "max_ms": 30.0}
    assert rows[-1]["requests"] == 4 and rows[-1]["5xx"] == 1
