"""How a contact is shown to someone who is not signed in (the forgotten-password and
new-device code pages), and the decoy shown for a number that has no account.

The rule: from the shown destination alone, nobody can tell a real account from an
unknown number better than chance. So a shown destination keeps only what a decoy can
show too, with the frequencies decoys show it:
- a phone, whatever its country (France, overseas, Belgium, Switzerland…): only its last
  two digits, in one shape for all, «•• •• •• •• 78». The country or the operator's
  prefix would tell a real number from a decoy; the last two digits are uniform for both.
- a mail: its first letter (a–z; anything else is hidden too) and its domain if it is one
  of the COMMON_DOMAINS, else «•••»: «k•••@orange.fr», «k•••@•••». A rare domain would
  name a real person's employer or school.
- a decoy is drawn from the reference frequencies below (channels, first letters, domains),
  derived stably from the number (an HMAC of it) so that asking again shows the same.
"""
from __future__ import annotations

import bisect
import itertools

HIDDEN = "•••"

# Mail providers common enough in France that showing them names nobody. Weights: a
# reference share of French personal mail addresses (rounded; order of the market),
# with HIDDEN for every other domain.
COMMON_DOMAINS: dict[str, float] = {
    "gmail.com": 34, "orange.fr": 11, "hotmail.fr": 9, "yahoo.fr": 5, "free.fr": 5,
    "laposte.net": 4, "sfr.fr": 4, "outlook.fr": 3, "hotmail.com": 3, "wanadoo.fr": 3,
    "live.fr": 2, "icloud.com": 2, "outlook.com": 1, "yahoo.com": 1, "neuf.fr": 1,
    "bbox.fr": 0.5, "aol.com": 0.5, "gmx.fr": 0.5, "protonmail.com": 0.5, "msn.com": 0.5,
}
_DOMAIN_WEIGHTS = {**COMMON_DOMAINS, HIDDEN: 10}
# First letters of French first names and surnames (rounded shares), and HIDDEN for an
# address that starts with a digit or a sign.
_FIRST_WEIGHTS = {
    "a": 9, "b": 6, "c": 8, "d": 6, "e": 4, "f": 4, "g": 5, "h": 2, "i": 2, "j": 8,
    "k": 2, "l": 7, "m": 9, "n": 4, "o": 1, "p": 5, "q": 0.2, "r": 4, "s": 7, "t": 3,
    "u": 0.2, "v": 3, "w": 0.5, "x": 0.2, "y": 1, "z": 0.5, HIDDEN: 1,
}
# Share of codes that go by SMS among the people who chose a channel.
SMS_SHARE = 0.65


def mask_phone(e164: str) -> str:
    """«•• •• •• •• 78»: the last two digits only, for any country."""
    digits = [ch for ch in e164 if ch.isdigit()]
    return "•• •• •• •• " + "".join(digits[-2:]).rjust(2, "•")


def mask_email(address: str) -> str:
    """«k•••@orange.fr», or «k•••@•••» when the domain is not a common provider."""
    local, _, domain = address.rpartition("@")
    first = local[:1].lower()
    first = first if first.isascii() and first.isalpha() else ""
    domain = domain.lower()
    return f"{first}{HIDDEN}@{domain if domain in COMMON_DOMAINS else HIDDEN}"


def mask(channel: str, address: str) -> str:
    return mask_phone(address) if channel == "sms" else mask_email(address)


def _pick(weights: dict[str, float], fraction: float) -> str:
    """The choice at `fraction` (0 ≤ f < 1) of the cumulative weights."""
    names = list(weights)
    bounds = list(itertools.accumulate(weights.values()))
    return names[min(bisect.bisect_right(bounds, fraction * bounds[-1]), len(names) - 1)]


def decoy(seed: bytes) -> tuple[str, str]:
    """(channel, shown destination) for a number without an account; `seed`: 16 bytes or
    more, derived from the number with a secret key."""
    def fraction(i: int) -> float:
        return int.from_bytes(seed[2 * i:2 * i + 2], "big") / 65536

    if fraction(0) < SMS_SHARE:
        return "sms", f"•• •• •• •• {int.from_bytes(seed[2:4], 'big') % 100:02d}"
    first = _pick(_FIRST_WEIGHTS, fraction(2))
    domain = _pick(_DOMAIN_WEIGHTS, fraction(3))
    return "mail", f"{'' if first == HIDDEN else first}{HIDDEN}@{domain}"
