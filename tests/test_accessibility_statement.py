"""Issue 7: the «Déclaration d'accessibilité» has the RGAA 4.1 structure and claims only
what the test suite proves: its figures come from domain.rgaa, its tools are the ones
the suite runs."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from importlib.metadata import version
from pathlib import Path

import pytest

from domain import accessibility_statement as statement
from domain import rgaa

ROOT = Path(__file__).resolve().parent.parent


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def statement_page(client) -> tuple[str, str]:
    response = client.get("/accessibilite")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, _text(html)


def test_the_rgaa_sections_are_all_there(statement_page) -> None:
    html, _ = statement_page
    headings = [_text(h) for h in re.findall(r"<h2\b[^>]*>(.*?)</h2>", html, flags=re.S)]
    assert headings == ["État de conformité", "Résultats des tests", "Contenus non accessibles",
                        "Comment cette déclaration a été faite", "Un problème ?", "Voies de recours"]
    h3 = [_text(h) for h in re.findall(r"<h3\b[^>]*>(.*?)</h3>", html, flags=re.S)]
    for part in ("Technologies du site", "Outils de test", "Navigateurs et lecteurs d'écran", "Pages vérifiées"):
        assert part in h3
    assert "<title>Déclaration d'accessibilité – Mon Compte Caf</title>" in html.replace("&#39;", "'")


def test_the_figures_are_those_of_the_self_assessment(statement_page) -> None:
    _, text = statement_page
    s = rgaa.summary()
    assert s["total"] == 106 == len(rgaa.CRITERIA)
    assert s["C"] + s["NC"] + s["NA"] + s["NT"] == 106
    assert f"Nos tests automatiques ont vérifié {s['evaluated']} critères sur 106." in text
    assert f"{s['C']} critères sont respectés." in text
    assert f"{s['NA']} critères ne concernent pas ce site." in text
    assert f"{s['NT']} critères ne sont pas encore vérifiés." in text
    status = statement.status_words(s)
    assert f"Mon Compte Caf est {status} avec le RGAA 4.1." in text
    if s["NT"]:
        # Without every criterion assessed, the law's model says «non conforme».
        assert status == "non conforme"
        assert "Aucun audit complet n'a encore été fait." in text
    for c in rgaa.CRITERIA:
        if c.status == "NC":
            assert f"Critère {c.number} :" in text


@pytest.mark.parametrize("summary, words", [
    ({"NT": 3, "rate": 100}, "non conforme"),
    ({"NT": 0, "rate": 100}, "totalement conforme"),
    ({"NT": 0, "rate": 50}, "partiellement conforme"),
    ({"NT": 0, "rate": 49}, "non conforme"),
])
def test_status_follows_the_rgaa_thresholds(summary, words) -> None:
    assert statement.status_words(summary) == words


def test_the_sample_is_the_whole_journey(statement_page) -> None:
    _, text = statement_page
    for endpoint in ("auth.sign_in", "first_login.cgu", "first_login.password", "first_login.contact",
                     "first_login.code", "account.home", "password_reset.start"):
        name = dict(statement.SAMPLE)[endpoint]
        assert name in text


def test_contact_and_the_right_to_refer_to_the_defenseur_des_droits(statement_page) -> None:
    _, text = statement_page
    assert "Appelez votre Caf au 32 30." in text
    assert "Défenseur des droits" in text
    assert "Libre réponse 71120, 75342 Paris Cedex 07" in text


def test_no_screen_reader_is_claimed_until_one_is_used(statement_page) -> None:
    _, text = statement_page
    assert not statement.SCREEN_READERS
    assert "Nous n'avons pas encore fait de test avec un lecteur d'écran." in text
    for reader in ("NVDA", "JAWS", "VoiceOver", "TalkBack"):
        assert reader not in text


def test_the_tools_named_are_the_ones_the_suite_runs(statement_page) -> None:
    _, text = statement_page
    tools = dict(statement.TOOLS)
    axe_js = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js").read_text()
    axe_version = re.search(r"axe v(\d+\.\d+\.\d+)", axe_js).group(1)
    assert tools["axe-core"] == axe_version
    package = json.loads((ROOT / "package.json").read_text())
    assert tools["Nu Html Checker du W3C (vnu-jar)"] == package["devDependencies"]["vnu-jar"]
    assert version("playwright").startswith(tools["Playwright"] + ".")
    for name, number in statement.TOOLS:
        assert f"{name}, version {number}" in text


def test_the_browser_named_is_the_one_installed() -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no Debian Chromium here: the e2e suite uses Playwright's own")
    out = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=30).stdout
    major = re.search(r"Chromium (\d+)\.", out).group(1)
    assert statement.BROWSERS[0].startswith(f"Chromium {major} ")


def test_the_axe_report_folder_is_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert statement.AXE_REPORT in readme


def test_every_criterion_is_listed_with_its_result(client) -> None:
    response = client.get("/accessibilite/criteres")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    for c in rgaa.CRITERIA:
        assert f"{c.number} {c.label} : {statement.STATUS_NAMES[c.status]}" in text, (
            f"criterion {c.number} is not listed with its result")
    assert 'href="/accessibilite/criteres"' in client.get("/accessibilite").get_data(as_text=True)
