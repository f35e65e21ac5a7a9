"""Issue 14, item 1: a code is judged atomically (services/codes.py, check_code).

Each verdict is one conditional write of the code's row, so that whatever the
concurrency at most 5 wrong guesses are ever counted on one code, the later ones say it
is dead, and a right code is accepted exactly once. Here the guesses come from threads,
each with its own database connection (SQLite file, or PostgreSQL with
TEST_DATABASE_URL); tests/test_attack_concurrency.py sends them to gunicorn's workers.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from flask_helpers import KARIM_NIR, codes_of

from domain.codes import MAX_WRONG, Outcome


def _send(app, purpose: str = "contact") -> str:
    """A new code for Karim, sent through the queue; the code read from the outbox."""
    from services.codes import send_code
    from services.database import db
    from services.models import Account, OutboxMessage

    with app.app_context():
        account = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        send_code(account, purpose=purpose)
        body = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                  ).scalars().first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _check(app, typed: str, purpose: str = "contact") -> Outcome:
    from services.codes import check_code
    from services.database import db
    from services.models import Account

    with app.app_context():
        account = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        outcome = check_code(account, typed, purpose)
        db.session.commit()  # as the step a right code opens does
        return outcome


def _wrong(code: str, i: int) -> str:
    return f"{(int(code) + 1 + i) % 1_000_000:06d}"


def _at_once(app, guesses: list[str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    start = threading.Barrier(len(guesses))

    def guess(typed: str) -> None:
        start.wait()
        outcomes.append(_check(app, typed))

    threads = [threading.Thread(target=guess, args=(typed,)) for typed in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(guesses)
    return outcomes


def test_the_right_code_works_once_then_is_dead(app) -> None:
    code = _send(app)
    assert _check(app, code) is Outcome.OK
    assert _check(app, code) is Outcome.DEAD
    [row] = codes_of(app, KARIM_NIR)
    assert row.used_at is not None and row.wrong_tries == 0


def test_five_wrong_codes_kill_it_even_for_the_right_code_after(app) -> None:
    code = _send(app)
    outcomes = [_check(app, _wrong(code, i)) for i in range(5)]
    assert outcomes == [Outcome.WRONG] * 4 + [Outcome.DEAD]
    assert _check(app, code) is Outcome.DEAD
    [row] = codes_of(app, KARIM_NIR)
    assert row.wrong_tries == 5 and row.dead and row.used_at is None


def test_four_wrong_codes_still_leave_the_right_one_working(app) -> None:
    code = _send(app)
    assert [_check(app, _wrong(code, i)) for i in range(4)] == [Outcome.WRONG] * 4
    assert _check(app, code) is Outcome.OK


def test_a_mistyped_code_costs_no_try(app) -> None:
    code = _send(app)
    for typed in ("", "12345", "abcdef", "1234567"):
        assert _check(app, typed) is Outcome.MALFORMED
    assert codes_of(app, KARIM_NIR)[0].wrong_tries == 0
    assert _check(app, f"{code[:3]} {code[3:]}") is Outcome.OK


def test_a_code_is_valid_10_minutes_then_expired(app) -> None:
    from services.database import db
    from services.models import VerificationCode

    code = _send(app)
    with app.app_context():
        row = db.session.execute(db.select(VerificationCode)).scalar_one()
        row.sent_at -= timedelta(minutes=10, seconds=1)
        db.session.commit()
    assert _check(app, code) is Outcome.EXPIRED
    assert _check(app, _wrong(code, 0)) is Outcome.EXPIRED  # costs no try either
    [row] = codes_of(app, KARIM_NIR)
    assert row.used_at is None and row.wrong_tries == 0


def test_forty_wrong_guesses_at_once_count_five(app) -> None:
    code = _send(app)
    outcomes = _at_once(app, [_wrong(code, i) for i in range(40)])
    assert outcomes.count(Outcome.WRONG) == MAX_WRONG - 1
    assert outcomes.count(Outcome.DEAD) == 40 - (MAX_WRONG - 1)
    [row] = codes_of(app, KARIM_NIR)
    assert row.wrong_tries == MAX_WRONG and row.dead and row.used_at is None


def test_the_right_code_among_forty_at_once_is_never_accepted_after_its_death(app) -> None:
    code = _send(app)
    guesses = [_wrong(code, i) for i in range(39)]
    guesses.insert(20, code)
    outcomes = _at_once(app, guesses)
    [row] = codes_of(app, KARIM_NIR)
    assert outcomes.count(Outcome.OK) <= 1
    if Outcome.OK in outcomes:  # it came before the 5th wrong one: used, and counted so
        assert row.used_at is not None and row.wrong_tries < MAX_WRONG
    else:
        assert row.used_at is None and row.wrong_tries == MAX_WRONG
    assert outcomes.count(Outcome.WRONG) <= MAX_WRONG - 1


@pytest.mark.parametrize("copies", [10])
def test_ten_copies_of_the_right_code_at_once_are_accepted_once(app, copies) -> None:
    code = _send(app)
    outcomes = _at_once(app, [code] * copies)
    assert outcomes.count(Outcome.OK) == 1
    assert outcomes.count(Outcome.DEAD) == copies - 1
    [row] = codes_of(app, KARIM_NIR)
    assert row.used_at is not None and row.wrong_tries == 0
