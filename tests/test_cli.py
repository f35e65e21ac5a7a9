"""`flask demo-data` and `flask init-db --demo-if-empty` make the demo accounts of
docs/journey.md exactly, and only once."""
from __future__ import annotations

from datetime import date

import pytest
from services.accounts import verify_password as check_password_hash

from flask_helpers import KARIM_NIR, make_app, KARIM_PASSWORD, SESSION_COOKIE, sign_in

DEMO = {
    # nir: (numéro allocataire, display name, password, legacy password, journey done)
    "2840575108123": ("1234567", "VERONIQUE F.", "24681357", True, False),
    "1750169123045": ("7654321", "KARIM B.", "Jardin75Bleu", False, True),
    "292092A004071": (None, "MARIE-ANGE S.", "13572468", True, False),
    # Issue 4: a person without a NIR yet, keyed by the provisional identifier.
    "P20240016": (None, "AMINATA D.", "86420975", True, False),
}


def accounts(app) -> dict:
    from services.database import db
    from services.models import Account

    with app.app_context():
        rows = db.session.execute(db.select(Account)).scalars().all()
        return {
            (a.nir or a.provisional_id): {
                "numero_allocataire": a.numero_allocataire,
                "display_name": a.display_name,
                "password_hash": a.password_hash,
                "password_is_legacy": a.password_is_legacy,
                "journey_state": a.journey_state,
                "mobile_phone": a.mobile_phone,
                "other_phone": a.other_phone,
                "email": a.email,
                "payments": [(p.paid_on, p.amount_cents, p.paid_to_third_party, p.third_party)
                             for p in a.payments],
            }
            for a in rows
        }


def count(app, model_name: str) -> int:
    from sqlalchemy import func

    from services import models
    from services.database import db

    with app.app_context():
        return db.session.execute(db.select(func.count()).select_from(
            getattr(models, model_name))).scalar_one()


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def check_demo_accounts(app, passwords: bool = False) -> None:
    """The accounts of journey.md; `passwords` also checks each password ."""
    found = accounts(app)
    assert set(found) == set(DEMO)
    for nir, (numero, name, password, legacy, done) in DEMO.items():
        account = found[nir]
        if numero is not None:
            assert account["numero_allocataire"] == numero, nir
        assert account["display_name"] == name
        if passwords:
            assert check_password_hash(account["password_hash"], password), nir
        assert account["password_is_legacy"] is legacy, nir
        assert (account["journey_state"] == "done") is done, nir

        # The command's hashes are real ones: Argon2id at the app's parameters (cheap in
        # tests; OWASP's minimum in production, test_password_hashing.py).
        c = app.config
        assert account["password_hash"].startswith(
            f"$argon2id$v=19$m={c['ARGON2_MEMORY_KIB']},t={c['ARGON2_TIME_COST']},"
            f"p={c['ARGON2_PARALLELISM']}$"), nir

    karim = found["1750169123045"]
    assert karim["mobile_phone"].replace(" ", "") in ("0612345678", "+33612345678")
    assert karim["email"] == "karim.b@example.org"

    veronique = found["2840575108123"]
    assert veronique["mobile_phone"] is None
    assert veronique["other_phone"] is None
    assert veronique["email"] is None
    paid_on, cents, third_party, who = veronique["payments"][0]  # newest first
    assert paid_on == date(2021, 5, 25)
    assert cents == 5800
    assert third_party is True
    assert who


@pytest.fixture
def empty_app(tmp_path):
    from services.limiter import limiter

    app = make_app(tmp_path / "empty.db")
    limiter.reset()
    return app


def test_demo_data_recreates_the_accounts_of_journey_md(app):
    result = run(app, "demo-data")
    assert "KARIM B." in result.output
    check_demo_accounts(app, passwords=True)


def test_demo_data_twice_makes_no_duplicates(app):
    run(app, "demo-data")
    accounts_once, payments_once = count(app, "Account"), count(app, "Payment")
    run(app, "demo-data")
    assert count(app, "Account") == accounts_once == len(DEMO)
    assert count(app, "Payment") == payments_once
    check_demo_accounts(app)


def test_demo_data_puts_back_what_was_changed(app):
    from services.database import db
    from services.models import Account

    with app.app_context():
        karim = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        karim.display_name = "SOMEONE ELSE"
        karim.email = None
        db.session.delete(karim.payments[0])
        db.session.commit()
    run(app, "demo-data")
    check_demo_accounts(app)
    assert len(accounts(app)[KARIM_NIR]["payments"]) == 24  # 12 months, 2 benefits


def test_demo_data_signs_out_the_old_demo_sessions(app, client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert client.get("/mon-compte").status_code == 200
    run(app, "demo-data")
    # The old session pointed at an account that no longer exists.
    assert client.get("/mon-compte").status_code == 303
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == "/mon-compte"
    assert client.get_cookie(SESSION_COOKIE) is not None


def test_demo_data_keeps_other_accounts(app):
    from services.accounts import hash_password
    from services.database import db
    from services.models import Account

    with app.app_context():
        db.session.add(Account(nir="1990175123456", numero_allocataire="99",
                               display_name="AUTRE P.", password_hash=hash_password("x"),
                               password_is_legacy=True, journey_state="cgu"))
        db.session.commit()
    run(app, "demo-data")
    assert "1990175123456" in accounts(app)
    assert count(app, "Account") == len(DEMO) + 1


def test_init_db_on_an_empty_database_creates_the_demo_accounts(empty_app):
    result = run(empty_app, "init-db", "--demo-if-empty")
    assert "Demo accounts created." in result.output
    check_demo_accounts(empty_app)
    client = empty_app.test_client()
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == "/mon-compte"


def test_init_db_twice_adds_nothing_the_second_time(empty_app):
    run(empty_app, "init-db", "--demo-if-empty")
    from services.database import db
    from services.models import Account

    with empty_app.app_context():
        karim = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        karim.display_name = "CHANGED"
        db.session.commit()
    result = run(empty_app, "init-db", "--demo-if-empty")
    assert "Demo accounts created." not in result.output
    assert count(empty_app, "Account") == len(DEMO)
    assert accounts(empty_app)[KARIM_NIR]["display_name"] == "CHANGED"


def test_init_db_without_the_flag_makes_only_the_schema(empty_app):
    run(empty_app, "init-db")
    assert count(empty_app, "Account") == 0
    assert count(empty_app, "WebSession") == 0
