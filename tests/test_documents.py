"""The PDFs of «Mon Compte» (issue 6): «Mon relevé de compte PDF» and the attestation de
paiement, and the page where a landlord or a school checks an attestation's reference.

A PDF is read without a PDF library: its metadata (/Title, /Lang, /DisplayDocTitle) with
regular expressions on the bytes, font sizes from the inflated content streams, and its
words with poppler's `pdftotext` when installed (those checks are skipped otherwise).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import date

import pytest

from flask_helpers import KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, get_csrf, page, sign_in

HOME = "/mon-compte"
STATEMENT = "/mon-compte/releve.pdf"
ATTESTATIONS = "/mon-compte/attestations"
CHECK = "/verifier-une-attestation"
REFERENCE_RE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed: "
                                     "the words inside the PDF cannot be read")


# --- reading a PDF ---------------------------------------------------------------------------

def _pdf_string(raw: bytes) -> str:
    """A PDF string object: (literal) or <hex>, UTF-16 with its BOM or PDFDocEncoding."""
    raw = raw.strip()
    if raw.startswith(b"<"):
        data = bytes.fromhex(raw[1:-1].decode())
    else:
        body = raw[1:-1]
        data = re.sub(rb"\\([()\\])", rb"\1", body)
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    return data.decode("latin-1")


def pdf_info(data: bytes, key: str) -> str | None:
    match = re.search(rb"/" + key.encode() + rb"\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", data)
    return _pdf_string(match.group(1)) if match else None


def font_sizes(data: bytes) -> set[float]:
    """Every text size (Tf operator) of the page content streams."""
    sizes = set()
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.DOTALL):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            content = match.group(1)
        sizes.update(float(s) for s in re.findall(rb"/F\d+\s+([\d.]+)\s+Tf", content))
    return sizes


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run([PDFTOTEXT, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True, timeout=30)
    text = out.stdout.decode("utf-8")
    return re.sub(r"[ \t]+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def assert_is_a_declared_pdf(response, title: str) -> bytes:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_info(data, "Title") == title
    lang = pdf_info(data, "Lang")
    assert lang and re.match(r"^fr(-FR)?$", lang), lang
    assert re.search(rb"/DisplayDocTitle\s+true", data), "the viewer would show the file name, not the title"
    assert b"SourceSansPro" in data  # the readable font is embedded
    sizes = font_sizes(data)
    assert sizes and min(sizes) >= 12, f"text sizes {sorted(sizes)}"
    assert response.headers["Cache-Control"] == "no-store"
    return data


def euros_plain(cents: int) -> str:
    from domain.formatting import euros

    return euros(cents).replace("\u00a0", " ").replace("\u202f", " ")


def karim_payments(app, period=None) -> list:
    from domain.statements import in_period, latest_period
    from services.database import db
    from services.models import Account

    with app.app_context():
        row = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        chosen = in_period(row.payments, period or latest_period(row.payments, date.today()))
        db.session.expunge_all()
        return chosen


def attestations_in_db(app) -> list:
    from services.database import db
    from services.models import Attestation

    with app.app_context():
        rows = db.session.execute(db.select(Attestation).order_by(Attestation.id)).scalars().all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def karim(client):
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    return client


def new_attestation(client):
    return client.post(ATTESTATIONS, data={"csrf_token": get_csrf(client, ATTESTATIONS)})


# --- «Mon relevé de compte PDF» --------------------------------------------------------------

def test_statement_is_a_pdf_with_title_language_and_a_readable_font(karim):
    response = karim.get(STATEMENT)
    assert_is_a_declared_pdf(response, "Relevé de compte Caf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert 'filename="releve-caf-2025-12-2026-11.pdf"' in disposition


@needs_pdftotext
def test_statement_holds_his_name_and_every_payment_of_the_12_months(app, karim, tmp_path):
    text = pdf_text(karim.get(STATEMENT).data, tmp_path)
    assert "Relevé de compte Caf" in text
    assert "KARIM B., numéro allocataire 7654321" in text
    assert "Paiements du 1er décembre 2025 au 30 novembre 2026." in text
    payments = karim_payments(app)
    assert len(payments) == 24
    assert f"Total : {euros_plain(sum(p.amount_cents for p in payments))}." in text
    assert "Total : 4 689,22 €." in text
    for benefit in ("Prime d'activité", "Allocations familiales"):
        total = sum(p.amount_cents for p in payments if p.benefit == benefit)
        assert f"{benefit} : {euros_plain(total)} en tout" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for p in payments:
        assert f"{p.paid_on:%d/%m/%Y} {euros_plain(p.amount_cents)} vous" in lines, p.paid_on
    from domain.formatting import long_date
    assert f"Document fait le {long_date(date.today())}, sur Mon Compte Caf." in text
    assert KARIM_NIR not in text.replace(" ", "")  # the NIR is not written on a paper that travels


def test_the_size_said_on_mon_compte_is_the_real_size(karim):
    home = page(karim.get(HOME)).text
    match = re.search(r"Mon relevé de compte PDF \(PDF, (\d+) Ko\)", home)
    assert match, "the link does not say «PDF, N Ko»"
    said = int(match.group(1))
    real = len(karim.get(STATEMENT).data) / 1024
    assert abs(said - real) <= 1, f"the link says {said} Ko, the PDF is {real:.1f} Ko"


@needs_pdftotext
def test_statement_of_a_chosen_period_holds_only_its_months(app, karim, tmp_path):
    from domain.statements import months_period

    response = karim.get(f"{STATEMENT}?du=2026-01&au=2026-03")
    assert_is_a_declared_pdf(response, "Relevé de compte Caf")
    assert 'filename="releve-caf-2026-01-2026-03.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    assert "Paiements du 1er janvier 2026 au 31 mars 2026." in text
    dates = set(re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text))
    assert dates == {"05/01/2026", "05/02/2026", "05/03/2026"}
    payments = karim_payments(app, months_period((2026, 1), (2026, 3)))
    assert len(payments) == 6
    assert f"Total : {euros_plain(sum(p.amount_cents for p in payments))}." in text


@needs_pdftotext
def test_statement_of_a_period_without_payments_says_so(karim, tmp_path):
    response = karim.get(f"{STATEMENT}?du=2020-01&au=2020-02")
    text = pdf_text(assert_is_a_declared_pdf(response, "Relevé de compte Caf"), tmp_path)
    assert "Aucun paiement pendant cette période." in text
    assert "€" not in text


@needs_pdftotext
def test_veroniques_statement_says_who_was_paid(app, client, tmp_path):
    from datetime import datetime

    from werkzeug.security import generate_password_hash

    from domain.journey import CGU_VERSION
    from flask_helpers import FAST_SCRYPT
    from services.database import db
    from services.models import Account

    with app.app_context():
        row = db.session.execute(db.select(Account).filter_by(nir=VERONIQUE_NIR)).scalar_one()
        row.journey_state, row.cgu_version, row.password_is_legacy = "done", CGU_VERSION, False
        row.cgu_accepted_at = row.contact_verified_at = datetime(2026, 11, 2)
        row.email, row.code_channel = "veronique.f@example.org", "mail"
        row.password_hash = generate_password_hash("Soleil2Marche7", method=FAST_SCRYPT)
        db.session.commit()
    assert sign_in(client, VERONIQUE_NIR, "Soleil2Marche7").status_code == 303
    text = pdf_text(client.get(STATEMENT).data, tmp_path)
    assert "VERONIQUE F., numéro allocataire 1234567" in text
    assert "Paiements du 1er juin 2020 au 31 mai 2021." in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "25/05/2021 58 € votre propriétaire" in lines


# --- «Mes attestations» ----------------------------------------------------------------------

def test_attestations_page_explains_and_offers_the_download(karim):
    response = karim.get(ATTESTATIONS)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Mes attestations")
    text = p.text.replace("\u00a0", " ")
    assert "Une attestation de paiement montre ce que la Caf vous a versé." in text
    assert "du 1er décembre 2025 au 30 novembre 2026" in text
    form = p.one("form", action=ATTESTATIONS)
    assert form.get("method") == "post"
    assert p.button("Télécharger mon attestation (PDF)").get("type") == "submit"


def test_an_attestation_downloads_as_a_pdf_with_a_reference_kept_in_the_database(app, karim):
    response = new_attestation(karim)
    data = assert_is_a_declared_pdf(response, "Attestation de paiement")
    rows = attestations_in_db(app)
    assert len(rows) == 1
    record = rows[0]
    assert REFERENCE_RE.match(record.reference), record.reference
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f'filename="attestation-paiement-{record.reference}.pdf"' in disposition
    payments = karim_payments(app)
    assert record.total_cents == sum(p.amount_cents for p in payments) == 468_922
    assert (record.period_start, record.period_end) == (date(2025, 12, 1), date(2026, 11, 30))
    with app.app_context():
        from services.database import db
        from services.models import Account
        karim_id = db.session.execute(db.select(Account.id).filter_by(nir=KARIM_NIR)).scalar_one()
    assert record.account_id == karim_id
    assert data  # its words are checked below, when pdftotext is there
    # The page now lists it.
    listed = page(karim.get(ATTESTATIONS)).text
    assert "Attestations déjà faites" in listed
    assert record.reference in listed


@needs_pdftotext
def test_the_attestation_says_who_what_when_and_how_to_check_it(app, karim, tmp_path):
    text = pdf_text(new_attestation(karim).data, tmp_path)
    record = attestations_in_db(app)[0]
    assert "La Caisse d'allocations familiales atteste avoir versé à :" in text
    assert "KARIM B., numéro allocataire 7654321" in text
    assert "du 1er décembre 2025 au 30 novembre 2026" in text
    assert "Total : 4 689,22 €." in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for p in karim_payments(app):
        assert f"{p.paid_on:%d/%m/%Y} {euros_plain(p.amount_cents)} vous" in lines
    from domain.formatting import long_date
    assert f"Attestation délivrée le {long_date(date.today())}." in text
    assert f"Référence de vérification : {record.reference}" in text
    assert f"{CHECK}" in text.replace("\n", "")


def test_each_attestation_has_its_own_reference(app, karim):
    new_attestation(karim)
    new_attestation(karim)
    references = [r.reference for r in attestations_in_db(app)]
    assert len(references) == 2 and len(set(references)) == 2


def test_the_attestation_button_needs_its_token(app, karim):
    response = karim.post(ATTESTATIONS, data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert page(response).title.startswith("Erreur : ")
    assert attestations_in_db(app) == []


# --- «Vérifier une attestation de paiement» (for a landlord, not signed in) ---------------------

@pytest.fixture
def reference(app, karim) -> str:
    new_attestation(karim)
    return attestations_in_db(app)[0].reference


def spellings(reference: str) -> list[str]:
    plain = reference.replace("-", "")
    return [reference, reference.lower(), plain, plain.lower(), " ".join(reference.split("-")),
            f"  {reference.lower()}  ", reference.replace("-", ".")]


def test_a_real_reference_is_said_true_with_name_and_total(app, reference):
    stranger = app.test_client()
    for typed in spellings(reference):
        response = stranger.get(CHECK, query_string={"reference": typed})
        assert response.status_code == 200, typed
        p = page(response)
        assert not p.title.startswith("Erreur"), typed
        text = p.text.replace("\u00a0", " ").replace("\u202f", " ")
        assert "Cette attestation est vraie." in text, typed
        assert "Pour : KARIM B." in text
        assert "Total : 4 689,22 €" in text
        assert "Paiements du 1er décembre 2025 au 30 novembre 2026" in text
        assert KARIM_NIR not in text.replace(" ", "") and "7654321" not in text


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JKLM", "zzzz", "0" * 40, "A" * 500, "<script>"])
def test_an_unknown_reference_is_a_falc_error_404(app, reference, typed):
    response = app.test_client().get(CHECK, query_string={"reference": typed})
    assert response.status_code == 404
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert "Il y a un problème" in p.one(class_="error-summary").text
    assert "Cette référence ne correspond à aucune attestation." in p.text
    assert p.by_id("reference").get("aria-invalid") == "true"
    assert "Cette attestation est vraie." not in p.text
    assert "KARIM" not in p.text


def test_the_check_page_without_a_reference_is_the_form(client):
    response = client.get(CHECK)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Vérifier une attestation de paiement")
    field = p.label_for("Référence de l'attestation")
    assert field.get("name") == "reference"
    assert "reference-hint" in field.get("aria-describedby")
    assert not p.all(class_="error-summary")
    assert p.button("Vérifier")


def test_checking_attestations_is_limited_per_address_with_a_plain_page(client):
    """60 checks an hour from one address (services/limiter.py claims each before the
    look-up); the 61st gets a 429 page that says how long to wait."""
    for _ in range(60):
        assert client.get("/verifier-une-attestation?reference=AAAA-BBBB").status_code == 404
    response = client.get("/verifier-une-attestation?reference=AAAA-BBBB")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    text = response.get_data(as_text=True)
    assert "Il y a eu beaucoup de demandes depuis ce lieu." in text and "Attendez" in text
    assert client.get("/verifier-une-attestation").status_code == 200  # the empty form is not counted


@needs_pdftotext
def test_the_check_address_comes_from_public_url_whatever_the_host_header(app, karim, tmp_path):
    """The attestation's check address is PUBLIC_URL's: a forged Host header cannot put an
    attacker's site on a paper the person hands to a landlord."""
    csrf = get_csrf(karim, "/mon-compte/attestations")
    session_cookie = karim.get_cookie("moncompte_session").value
    attacker = app.test_client(use_cookies=False)  # the same session, to a forged Host
    response = attacker.post("/mon-compte/attestations", data={"csrf_token": csrf},
                             headers={"Host": "evil.example",
                                      "Cookie": f"moncompte_session={session_cookie}"})
    assert response.status_code == 200, (response.headers.get("Location"), session_cookie[:5])
    text = pdf_text(response.data, tmp_path).replace("\n", "")
    assert "evil.example" not in text
    assert app.config["PUBLIC_URL"].split("://")[1] + CHECK in text
