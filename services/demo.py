"""The demo accounts of journey.md, (re)created exactly by `flask --app app demo-data`."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from domain.journey import CGU_VERSION
from services.accounts import hash_password
from services.database import db
from services.models import Account, Attestation, Letter, Payment, VerificationCode

LANDLORD = "votre propriétaire"


def _months_back(last: date, count: int) -> list[date]:
    """`count` monthly dates ending with `last`, newest first, on the same day of the month."""
    days = []
    year, month = last.year, last.month
    for _ in range(count):
        days.append(date(year, month, last.day))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days


def _monthly(last: date, benefit: str, amounts: list[int], third: str | None = None) -> list[Payment]:
    return [Payment(paid_on=day, amount_cents=amounts[i % len(amounts)], benefit=benefit,
                    paid_to_third_party=third is not None, third_party=third)
            for i, day in enumerate(_months_back(last, 12))]


def _letters(rows: list[tuple[str, date, str, str, bool]]) -> list[Letter]:
    return [Letter(kind=kind, sent_on=day, subject=subject, body=body,
                   read_at=datetime.combine(day, datetime.min.time()) if read else None)
            for kind, day, subject, body, read in rows]


def demo_accounts() -> list[Account]:
    veronique = Account(
        nir="2840575108123", numero_allocataire="1234567", display_name="VERONIQUE F.",
        birth_date=date(1984, 5, 14), password_hash=hash_password("24681357"),
        password_is_legacy=True, journey_state="cgu",
        # The guide's screen: last payment 58 € on 25/05/2021, paid to a third party.
        payments=_monthly(date(2021, 5, 25), "Aide personnalisée au logement (APL)", [5800], LANDLORD)
        + _monthly(date(2021, 5, 5), "Allocations familiales", [13_243]),
        letters=_letters([
            ("courrier", date(2021, 5, 12), "Votre aide au logement est versée à votre propriétaire",
             "Madame,\n\nVotre aide personnalisée au logement (APL) est versée directement à "
             "votre propriétaire. C'est le tiers payant.\n\nVotre loyer est donc moins cher "
             "chaque mois. Le montant de l'aide est de 58 €.\n\nVotre Caf", False),
            ("courriel", date(2021, 1, 8), "Déclarez vos ressources",
             "Bonjour,\n\nC'est le moment de déclarer vos ressources du trimestre. "
             "Sans cette déclaration, nous ne pouvons pas calculer vos aides.\n\nVotre Caf", True),
        ]),
    )
    karim = Account(
        nir="1750169123045", numero_allocataire="7654321", display_name="KARIM B.",
        birth_date=date(1975, 1, 23), password_hash=hash_password("Jardin75Bleu"),
        password_is_legacy=False, journey_state="done",
        cgu_version=CGU_VERSION, cgu_accepted_at=datetime(2026, 3, 2, 10, 20),
        mobile_phone="+33612345678", email="karim.b@example.org", code_channel="sms",
        contact_verified_at=datetime(2026, 3, 2, 10, 30),
        payments=_monthly(date(2026, 11, 5), "Prime d'activité",
                          [24_187, 23_960, 23_960, 24_410, 24_410, 24_410])
        + _monthly(date(2026, 11, 5), "Allocations familiales", [14_854]),
        letters=_letters([
            ("courriel", date(2026, 11, 6), "Votre paiement du 5 novembre",
             "Bonjour,\n\nLe 5 novembre 2026, nous avons versé 241,87 € de prime d'activité "
             "et 148,54 € d'allocations familiales.\n\nLe détail est dans Mon Compte.\n\n"
             "Votre Caf", False),
            ("courrier", date(2026, 9, 15), "Votre prime d'activité est renouvelée",
             "Monsieur,\n\nVotre droit à la prime d'activité continue. Pensez à déclarer vos "
             "ressources tous les 3 mois.\n\nLa prochaine déclaration est à faire en "
             "décembre 2026.\n\nVotre Caf", True),
            ("courrier", date(2026, 3, 2), "Vos coordonnées sont enregistrées",
             "Monsieur,\n\nVotre téléphone portable et votre adresse mail sont enregistrés. "
             "Nous les utilisons pour vous informer sur votre dossier.\n\nVotre Caf", True),
        ]),
    )
    marie_ange = Account(
        nir="292092A004071", numero_allocataire="2468013", display_name="MARIE-ANGE S.",
        birth_date=date(1992, 9, 3), password_hash=hash_password("13572468"),
        password_is_legacy=True, journey_state="cgu",
        payments=_monthly(date(2026, 11, 5), "Allocation de soutien familial", [31_520]),
        letters=_letters([
            ("courrier", date(2026, 10, 20), "Votre allocation de soutien familial",
             "Madame,\n\nVous recevez l'allocation de soutien familial pour vos 2 enfants. "
             "Elle est versée chaque mois, vers le 5.\n\nVotre Caf", False),
        ]),
    )
    aminata = Account(
        provisional_id="P20240016", display_name="AMINATA D.", birth_date=date(1990, 2, 11),
        password_hash=hash_password("86420975"), password_is_legacy=True, journey_state="cgu",
        payments=_monthly(date(2026, 11, 5), "Revenu de solidarité active (RSA)", [26_312]),
        letters=_letters([
            ("courrier", date(2026, 6, 3), "Votre identifiant provisoire",
             "Madame,\n\nEn attendant votre numéro de sécurité sociale, voici votre "
             "identifiant provisoire : P 2024 0016.\n\nIl sert à vous connecter à Mon Compte."
             "\n\nVotre Caf", False),
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
            # Through the session store: with Redis, its copies go too.
            current_app.session_interface.store.delete_of_account(old.id)
            for table in (VerificationCode, Attestation):
                db.session.execute(db.delete(table).filter_by(account_id=old.id))
            db.session.delete(old)
    db.session.flush()
    db.session.add_all(accounts)
    db.session.commit()
    return accounts
