"""Contact details as people type them (domain/contact.py), checked without any network look-up."""
from __future__ import annotations

import socket

import pytest

from domain.contact import ContactError, hide_phone, parse_email, parse_phone, show_phone


@pytest.fixture
def no_network(monkeypatch):
    """Any DNS look-up or connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    try:
        import dns.resolver  # email-validator's resolver, when installed
        monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    except ImportError:
        pass


@pytest.mark.parametrize("typed", [
    "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0612345678", "06-12-34-56-78",
    "  06 12 34 56 78  ", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78",
])
def test_french_mobile_forms_are_normalised(typed):
    assert parse_phone(typed, mobile=True) == "+33612345678"


def test_a_07_number_is_a_mobile():
    assert parse_phone("07 81 23 45 67", mobile=True) == "+33781234567"


def test_a_fixed_line_is_refused_as_mobile_and_accepted_as_other_phone():
    with pytest.raises(ContactError) as error:
        parse_phone("01 23 45 67 89", mobile=True)
    assert "pas un téléphone portable" in error.value.message
    assert "Autre téléphone" in error.value.message
    assert parse_phone("01 23 45 67 89", mobile=False) == "+33123456789"


@pytest.mark.parametrize("typed", ["06 12 34", "abc", "", "+", "06 12 34 56 78 90 12", "0" * 10_000,
                                   "06 12 34 56 7😀", "\x00"])
def test_a_wrong_number_says_so_plainly(typed):
    with pytest.raises(ContactError) as error:
        parse_phone(typed, mobile=True)
    assert "Par exemple : 06 12 34 56 78." in error.value.message.replace("\u00a0", " ")


# Found by this file: parse_phone used region FR only, so overseas mobiles typed the
# national way were refused as «n'existe pas» (fixed in domain/contact.py, _parse_french).
@pytest.mark.parametrize(("typed", "e164"), [
    ("0692 12 34 56", "+262692123456"),  # La Réunion
    ("0690 00 12 34", "+590690001234"),  # Guadeloupe
    ("0696 20 12 34", "+596696201234"),  # Martinique
    ("0694 20 12 34", "+594694201234"),  # Guyane
    ("0639 01 23 45", "+262639012345"),  # Mayotte
])
def test_an_overseas_french_mobile_typed_the_national_way_is_accepted(typed, e164):
    assert parse_phone(typed, mobile=True) == e164


def test_an_overseas_number_is_shown_and_hidden_the_french_way():
    assert show_phone("+262692123456") == "0692 12 34 56"
    assert hide_phone("+262692123456") == "06•• •• •• 56"


def test_hide_phone_hides_the_middle():
    hidden = hide_phone("+33612345678")
    assert hidden == "06 •• •• •• 78"
    assert "12" not in hidden and "34" not in hidden and "56" not in hidden


def test_show_phone_writes_french_numbers_the_french_way():
    assert show_phone("+33612345678") == "06 12 34 56 78"
    assert show_phone("+32470123456").startswith("+32")


@pytest.mark.parametrize(("typed", "normal"), [
    ("veronique.f@example.org", "veronique.f@example.org"),
    ("  Veronique.F@Example.ORG  ", "Veronique.F@example.org"),
    ("personne@domaine-qui-n-existe-pas-du-tout.fr", "personne@domaine-qui-n-existe-pas-du-tout.fr"),
])
def test_mail_is_normalised_without_network(no_network, typed, normal):
    assert parse_email(typed) == normal


@pytest.mark.parametrize(("typed", "words"), [
    ("veronique.example.org", "Il manque le signe @"),
    ("veronique@", "n'est pas complète"),
    ("veronique@example", "n'est pas complète"),
    ("vero nique@example.org", "n'est pas complète"),
    ("a" * 250 + "@example.org", "trop longue"),
    ("é" * 10_000, "trop longue"),
])
def test_a_wrong_mail_says_what_to_do(no_network, typed, words):
    with pytest.raises(ContactError) as error:
        parse_email(typed)
    assert words in error.value.message
