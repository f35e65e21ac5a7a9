"""domain/statements.py: which payments a period holds, how they are grouped, which months a
person may choose, and how a typed month is read (issue 6, «Détail de mes allocations»)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from domain.statements import (Period, by_benefit, in_period, latest_period, month_choices,
                               months_period, parse_month, twelve_months_to)


@dataclass(frozen=True)
class P:
    paid_on: date
    amount_cents: int
    benefit: str = "Allocations familiales"
    paid_to_third_party: bool = False
    third_party: str | None = None


def monthly(last: date, count: int, benefit: str = "Allocations familiales", cents: int = 100) -> list[P]:
    out = []
    year, month = last.year, last.month
    for _ in range(count):
        out.append(P(date(year, month, last.day), cents, benefit))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


# --- periods ----------------------------------------------------------------------------

@pytest.mark.parametrize("first, last, start, end", [
    ((2026, 1), (2026, 3), date(2026, 1, 1), date(2026, 3, 31)),
    ((2026, 3), (2026, 1), date(2026, 1, 1), date(2026, 3, 31)),  # typed the wrong way round
    ((2024, 2), (2024, 2), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
    ((2023, 2), (2023, 2), date(2023, 2, 1), date(2023, 2, 28)),
    ((2025, 12), (2026, 1), date(2025, 12, 1), date(2026, 1, 31)),  # across the new year
    ((2026, 4), (2026, 4), date(2026, 4, 1), date(2026, 4, 30)),
    ((2026, 12), (2026, 12), date(2026, 12, 1), date(2026, 12, 31)),
])
def test_months_period_goes_from_the_first_to_the_last_day(first, last, start, end):
    assert months_period(first, last) == Period(start, end)


@pytest.mark.parametrize("day, start, end", [
    (date(2026, 11, 26), date(2025, 12, 1), date(2026, 11, 30)),
    (date(2026, 12, 5), date(2026, 1, 1), date(2026, 12, 31)),
    (date(2021, 1, 3), date(2020, 2, 1), date(2021, 1, 31)),
    (date(2021, 5, 25), date(2020, 6, 1), date(2021, 5, 31)),  # Véronique's last payment
    (date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 29)),
])
def test_twelve_months_end_with_the_month_of_the_day(day, start, end):
    period = twelve_months_to(day)
    assert period == Period(start, end)
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    assert months == 12


def test_period_contains_its_first_and_last_day_only():
    period = months_period((2026, 1), (2026, 3))
    assert period.contains(date(2026, 1, 1))
    assert period.contains(date(2026, 3, 31))
    assert period.contains(date(2026, 2, 14))
    assert not period.contains(date(2025, 12, 31))
    assert not period.contains(date(2026, 4, 1))


def test_latest_period_follows_the_newest_payment_when_payments_stopped():
    # Véronique: the last payment is on 25/05/2021; five years later the page still shows it.
    payments = monthly(date(2021, 5, 25), 12) + monthly(date(2021, 5, 5), 12, "APL")
    assert latest_period(payments, date(2026, 11, 26)) == Period(date(2020, 6, 1), date(2021, 5, 31))


def test_latest_period_never_goes_after_today():
    # A payment already planned for next month is not in «the last 12 months».
    payments = monthly(date(2026, 12, 5), 13)
    assert latest_period(payments, date(2026, 11, 26)) == Period(date(2025, 12, 1), date(2026, 11, 30))


def test_latest_period_without_payments_ends_this_month():
    assert latest_period([], date(2026, 11, 26)) == Period(date(2025, 12, 1), date(2026, 11, 30))


# --- choosing and grouping payments --------------------------------------------------------

def test_in_period_keeps_the_payments_inside_newest_first():
    inside = [P(date(2026, 1, 1), 1), P(date(2026, 3, 31), 2), P(date(2026, 2, 5), 3)]
    outside = [P(date(2025, 12, 31), 4), P(date(2026, 4, 1), 5)]
    chosen = in_period(outside + inside, months_period((2026, 1), (2026, 3)))
    assert [p.amount_cents for p in chosen] == [2, 3, 1]


def test_in_period_of_nothing_is_empty():
    assert in_period([], months_period((2026, 1), (2026, 3))) == []
    assert in_period(monthly(date(2021, 5, 25), 12), months_period((2026, 1), (2026, 3))) == []


def test_twelve_monthly_payments_fall_in_the_latest_twelve_months():
    payments = monthly(date(2026, 11, 5), 24)
    chosen = in_period(payments, latest_period(payments, date(2026, 11, 26)))
    assert len(chosen) == 12
    assert chosen[0].paid_on == date(2026, 11, 5)
    assert chosen[-1].paid_on == date(2025, 12, 5)


def test_by_benefit_one_group_per_benefit_newest_first_with_totals():
    payments = [
        P(date(2026, 9, 5), 1000, "Prime d'activité"),
        P(date(2026, 11, 5), 200, "Allocations familiales"),
        P(date(2026, 10, 5), 300, "Allocations familiales"),
        P(date(2026, 10, 5), 2000, "Prime d'activité"),
        P(date(2026, 8, 5), 5800, "APL", True, "votre propriétaire"),
    ]
    groups = by_benefit(payments)
    assert [g.benefit for g in groups] == ["Allocations familiales", "Prime d'activité", "APL"]
    assert [g.total_cents for g in groups] == [500, 3000, 5800]
    assert [p.paid_on for p in groups[0].payments] == [date(2026, 11, 5), date(2026, 10, 5)]
    assert [p.paid_on for p in groups[1].payments] == [date(2026, 10, 5), date(2026, 9, 5)]
    assert groups[2].payments[0].third_party == "votre propriétaire"
    assert sum(len(g.payments) for g in groups) == len(payments)


def test_by_benefit_of_nothing_is_no_group():
    assert by_benefit([]) == []


# --- months a person may choose --------------------------------------------------------

def test_month_choices_run_from_today_back_to_the_oldest_payment():
    payments = monthly(date(2026, 11, 5), 12)  # oldest: 05/12/2025
    choices = month_choices(payments, date(2026, 11, 26))
    assert choices[0] == ("2026-11", (2026, 11))
    assert choices[-1] == ("2025-12", (2025, 12))
    assert len(choices) == 12
    values = [v for v, _ in choices]
    assert values == sorted(values, reverse=True)
    assert all(parse_month(v) == m for v, m in choices)


def test_month_choices_include_months_after_the_last_payment():
    # Véronique: payments stopped in 2021, but she may still ask for any month up to now.
    payments = monthly(date(2021, 5, 25), 12)
    choices = month_choices(payments, date(2026, 11, 26))
    assert choices[0][0] == "2026-11"
    assert choices[-1][0] == "2020-06"
    assert ("2021-05", (2021, 5)) in choices
    assert len(choices) == 6 * 12 + 6


def test_month_choices_without_payments_is_this_month():
    assert month_choices([], date(2026, 1, 2)) == [("2026-01", (2026, 1))]


def test_month_choices_cross_the_new_year_with_two_digit_months():
    choices = month_choices([P(date(2025, 11, 30), 1)], date(2026, 2, 1))
    assert [v for v, _ in choices] == ["2026-02", "2026-01", "2025-12", "2025-11"]


# --- reading a month from the address --------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-11", (2026, 11)),
    ("2026-01", (2026, 1)),
    ("2000-01", (2000, 1)),
    ("2100-12", (2100, 12)),
])
def test_parse_month_reads_year_dash_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", [
    "", "2026", "2026-1", "2026-13", "2026-00", "1999-12", "2101-01", "2026/11", "11-2026",
    "2026-1a", " 2026-1", "2026-11 ", "2026--1", "-2026-1", "2026-+1", "+026-11", "abcd-ef",
    "2026-11-01", "2026-011", "0000-00",
])
def test_parse_month_refuses_anything_else(text):
    assert parse_month(text) is None


@pytest.mark.parametrize("value", [None, 202611, ["2026-11"], b"2026-11"])
def test_parse_month_refuses_what_is_not_text(value):
    assert parse_month(value) is None


@pytest.mark.parametrize("text", ["²026-01", "2026-0¹", "①②③④-01"])
def test_parse_month_refuses_digits_that_are_not_plain_digits(text):
    assert parse_month(text) is None
