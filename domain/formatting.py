"""How numbers and dates are written on screen, the French way."""
from __future__ import annotations

from datetime import date


def euros(cents: int) -> str:
    """58 € for whole euros, 58,20 € otherwise; a narrow no-break space before €."""
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    grouped = f"{whole:,}".replace(",", "\u202f")
    text = grouped if rest == 0 else f"{grouped},{rest:02d}"
    return f"{sign}{text}\u00a0€"


def short_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def long_date(day: date) -> str:
    """25 mai 2021: easier to read aloud than 25/05/2021."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"
