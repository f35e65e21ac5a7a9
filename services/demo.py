"""The demo accounts of journey.md, (re)created exactly by `flask --app app demo-data`."""
from __future__ import annotations

from datetime import date, datetime

from services.accounts import hash_password
from services.database import db
from domain.journey import CGU_VERSION
from services.models import Account, Payment, VerificationCode, WebSession


def _payments(rows: list[tuple[date, int, str, str | None]]) -> list[Payment]:
    return [
        Payment(paid_on=day, amount_cents=cents, benefit=benefit,
                paid_to_third_party=third is not None, third_party=third)
        for day, cents, benefit, third in rows
    ]


def demo_accounts() -> list[Account]:
    veronique = Account(
        nir="2840575108123", numero_allocataire="1234567", display_name="VERONIQUE F.",
        birth_date=date(1984, 5, 14), password_hash=hash_password("24681357"),
        password_is_legacy=True, journey_state="cgu",
        payments=_payments([
            (date(2021, 5, 25), 5800, "Aide personnalisée au logement (APL)", "votre propriétaire"),
            (date(2021, 4, 26), 5800, "Aide personnalisée au logement (APL)", "votre propriétaire"),
            (date(2021, 4, 5), 13_243, "Allocations familiales", None),
            (date(2021, 3, 25), 5800, "Aide personnalisée au logement (APL)", "votre propriétaire"),
        ]),
    )
    karim = Account(
        nir="1750169123045", numero_allocataire="7654321", display_name="KARIM B.",
        birth_date=date(1975, 1, 23), password_hash=hash_password("Jardin75Bleu"),
        password_is_legacy=False, journey_state="done",
        cgu_version=CGU_VERSION, cgu_accepted_at=datetime(2026, 3, 2, 10, 20),
        mobile_phone="+33612345678", email="karim.b@example.org", code_channel="sms",
        contact_verified_at=datetime(2026, 3, 2, 10, 30),
        payments=_payments([
            (date(2026, 11, 5), 24_187, "Prime d'activité", None),
            (date(2026, 11, 5), 14_854, "Allocations familiales", None),
            (date(2026, 10, 6), 23_960, "Prime d'activité", None),
            (date(2026, 10, 6), 14_854, "Allocations familiales", None),
        ]),
    )
    marie_ange = Account(
        nir="292092A004071", numero_allocataire="2468013", display_name="MARIE-ANGE S.",
        birth_date=date(1992, 9, 3), password_hash=hash_password("13572468"),
        password_is_legacy=True, journey_state="cgu",
        payments=_payments([
            (date(2026, 11, 5), 31_520, "Allocation de soutien familial", None),
            (date(2026, 10, 6), 31_520, "Allocation de soutien familial", None),
        ]),
    )
    aminata = Account(
        provisional_id="P20240016", display_name="AMINATA D.", birth_date=date(1990, 2, 11),
        password_hash=hash_password("86420975"), password_is_legacy=True, journey_state="cgu",
        payments=_payments([
            (date(2026, 11, 5), 26_312, "Revenu de solidarité active (RSA)", None),
        ]),
    )
    return [veronique, karim, marie_ange, aminata]


def load_demo_data() -> list[Account]:
    """Delete the demo accounts if present and create them again, as journey.md says."""
    accounts = demo_accounts()
    for account in accounts:
        identifier = ({"nir": account.nir} if account.nir
                      else {"provisional_id": account.provisional_id})
        old = db.session.execute(db.select(Account).filter_by(**identifier)).scalar_one_or_none()
        if old is not None:
            for table in (WebSession, VerificationCode):
                db.session.execute(db.delete(table).filter_by(account_id=old.id))
            db.session.delete(old)
    db.session.flush()
    db.session.add_all(accounts)
    db.session.commit()
    return accounts
