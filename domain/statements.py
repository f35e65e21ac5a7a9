"""Payments over a period: which ones, grouped how, and the periods a person can choose."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, Sequence


class PaymentLike(Protocol):
    paid_on: date
    amount_cents: int
    benefit: str
    paid_to_third_party: bool
    third_party: str | None


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date    # last day of the last month

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def months_period(first: tuple[int, int], last: tuple[int, int]) -> Period:
    """From the first day of month `first` (year, month) to the last day of month `last`."""
    if first > last:
        first, last = last, first
    return Period(date(first[0], first[1], 1), _month_end(*last))


def twelve_months_to(day: date) -> Period:
    """The 12 months ending with the month of `day`."""
    year, month = (day.year - 1, day.month + 1) if day.month < 12 else (day.year, 1)
    return months_period((year, month), (day.year, day.month))


def latest_period(payments: Sequence[PaymentLike], today: date) -> Period:
    """The last 12 months with payments: up to the newest payment, never after today."""
    newest = max((p.paid_on for p in payments), default=today)
    return twelve_months_to(min(newest, today))


def in_period(payments: Sequence[PaymentLike], period: Period) -> list[PaymentLike]:
    return sorted((p for p in payments if period.contains(p.paid_on)),
                  key=lambda p: p.paid_on, reverse=True)


@dataclass(frozen=True)
class BenefitPayments:
    benefit: str
    payments: list
    total_cents: int


def by_benefit(payments: Sequence[PaymentLike]) -> list[BenefitPayments]:
    """One group per benefit, the benefit with the newest payment first."""
    groups: dict[str, list] = {}
    for p in sorted(payments, key=lambda p: p.paid_on, reverse=True):
        groups.setdefault(p.benefit, []).append(p)
    return [BenefitPayments(b, ps, sum(p.amount_cents for p in ps)) for b, ps in groups.items()]


def month_choices(payments: Sequence[PaymentLike], today: date) -> list[tuple[str, tuple[int, int]]]:
    """Every month from the oldest payment to now, newest first, as ("2026-11", (2026, 11))."""
    oldest = min((p.paid_on for p in payments), default=today)
    year, month = today.year, today.month
    months = []
    while (year, month) >= (oldest.year, oldest.month):
        months.append((f"{year:04d}-{month:02d}", (year, month)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def parse_month(text: str) -> tuple[int, int] | None:
    """«2026-11» → (2026, 11); anything else → None."""
    parts = text.split("-") if isinstance(text, str) and len(text) == 7 else []
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return (year, month) if 1 <= month <= 12 and 2000 <= year <= 2100 else None
