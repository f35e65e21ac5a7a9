"""Issue 14, item 4: from the shown destination alone, nobody tells a real account from an
unknown number better than chance (domain/masking.py says the rule).

Real contacts: 30 mail domains (common providers, employers, schools, Belgian and Swiss
ones), French, overseas, Belgian (+32) and Swiss (+41) mobiles. Decoys: as many unknown
numbers, through the same function the forgotten-password page uses.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter

from domain import masking
from domain.nir import nir_key

DOMAINS = ["gmail.com", "orange.fr", "hotmail.fr", "yahoo.fr", "free.fr", "laposte.net", "sfr.fr",
           "outlook.fr", "hotmail.com", "wanadoo.fr", "live.fr", "icloud.com", "outlook.com",
           "neuf.fr", "bbox.fr", "aol.com", "gmx.fr", "protonmail.com", "caf.fr", "ac-lyon.fr",
           "univ-lille.fr", "skynet.be", "bluewin.ch", "mairie-roubaix.fr", "ville.reunion.fr",
           "entreprise.example", "web.de", "numericable.fr", "yahoo.com", "msn.com"]
MOBILES = ["+33612345678", "+33798765432", "+262692123456", "+262693654321", "+590690112233",
           "+596696445566", "+594694778899", "+262639123456", "+32470123456", "+32499887766",
           "+41791234567", "+41768765432", "+33700000001", "+33658585858"]
LOCALS = ["karim.b", "veronique", "Marie-Ange", "aminata.d", "jean.dupont", "s.martin", "zoe",
          "yannick", "quentin", "ulysse", "x.lefevre", "06bernard", "_contact", "w.schmitt", "olivier"]


def shape(channel: str, shown: str) -> str:
    """What the destination says beyond chance: its channel and form, digits and letters
    replaced (the last two digits of a phone and a first letter are uniform enough)."""
    return channel + ":" + re.sub(r"[a-z]", "a", re.sub(r"\d", "9", shown.split("@")[0])) + (
        "@" + shown.split("@")[1] if "@" in shown else "")


def real_shapes() -> list[str]:
    shown = [shape("mail", masking.mask("mail", f"{local}@{domain}"))
             for local in LOCALS for domain in DOMAINS]
    shown += [shape("sms", masking.mask("sms", mobile)) for mobile in MOBILES]
    return shown


def decoy_shapes(count: int) -> list[str]:
    key = b"k" * 32
    shown = []
    for n in range(count):
        value = f"2{n:012d}"
        nir = value + f"{nir_key(value):02d}"
        shown.append(shape(*masking.decoy(hmac.new(key, nir.encode(), hashlib.sha256).digest())))
    return shown


def parts(shape_: str) -> tuple[str, ...]:
    """A shape's parts that decoys draw one by one: channel, what stands before @, domain."""
    channel, _, rest = shape_.partition(":")
    before, _, domain = rest.partition("@")
    return channel, before, domain


def test_every_shape_a_real_contact_shows_a_decoy_shows_too() -> None:
    decoys = decoy_shapes(20_000)
    # Decoys draw the channel, the first letter and the domain independently: each part of
    # a real shape must be among the decoys' (rare pairs need more than 20,000 draws).
    seen = [set(part) for part in zip(*map(parts, decoys))]
    outside = sorted({s for s in real_shapes() if any(p not in seen[i] for i, p in enumerate(parts(s)))})
    assert outside == [], outside  # an attacker's «outside the decoy set: real» never works
    assert set(real_shapes()) & set(decoys)  # and the shapes themselves meet


def test_phones_of_every_country_look_the_same() -> None:
    assert {masking.mask("sms", m)[:-2] for m in MOBILES} == {"•• •• •• •• "}
    assert masking.mask("sms", "+262692123456") == "•• •• •• •• 56"


def test_rare_domains_are_hidden_common_ones_shown() -> None:
    assert masking.mask("mail", "karim.b@orange.fr") == "k•••@orange.fr"
    assert masking.mask("mail", "Karim.B@Caf.fr") == "k•••@•••"
    assert masking.mask("mail", "06bernard@gmail.com") == "•••@gmail.com"
    assert masking.mask("mail", "jean@skynet.be") == "j•••@•••"


def test_a_decoy_is_stable_for_a_number_and_varies_between_numbers() -> None:
    seed = hmac.new(b"k" * 32, b"185057500000048", hashlib.sha256).digest()
    assert masking.decoy(seed) == masking.decoy(seed)
    assert len(set(decoy_shapes(200))) > 15


def test_decoys_follow_the_reference_frequencies() -> None:
    """Drawn from the same table a real population is described by: the channel split and
    the domain shares within two points of the reference over 20,000 numbers."""
    shown = decoy_shapes(20_000)
    sms = sum(s.startswith("sms:") for s in shown) / len(shown)
    assert abs(sms - masking.SMS_SHARE) < 0.02
    domains = Counter(s.split("@")[1] for s in shown if "@" in s)
    total_weight = sum(masking.COMMON_DOMAINS.values()) + 10
    mails = sum(domains.values())
    for domain, weight in [("gmail.com", masking.COMMON_DOMAINS["gmail.com"]), ("•••", 10),
                           ("orange.fr", masking.COMMON_DOMAINS["orange.fr"])]:
        assert abs(domains[domain] / mails - weight / total_weight) < 0.02, domain


def test_the_last_two_digits_of_decoy_phones_are_uniform() -> None:
    digits = Counter(s[-2:] for s in decoy_shapes(20_000) if s.startswith("sms:"))
    assert len(digits) == 1  # the shape replaced them: look at the real values instead
    key = b"k" * 32
    values = Counter()
    for n in range(20_000):
        channel, shown = masking.decoy(hmac.new(key, str(n).encode(), hashlib.sha256).digest())
        if channel == "sms":
            values[shown[-2:]] += 1
    assert len(values) == 100 and max(values.values()) < 3 * min(values.values())
