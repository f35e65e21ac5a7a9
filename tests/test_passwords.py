"""The password rules (domain/passwords.py): one list for the checklist, the submit and these tests."""
from __future__ import annotations

import re
from datetime import date

import pytest

from domain.passwords import RULES, Person, common_passwords, evaluate, failures

VERONIQUE = Person(nir="2840575108123", birth_date=date(1984, 5, 14))
NOBODY = Person()


def failed_ids(password: str, person: Person = VERONIQUE) -> list[str]:
    return [rule.id for rule in failures(password, person)]


def states(password: str, person: Person = VERONIQUE) -> dict[str, bool]:
    return {rule.id: ok for rule, ok in evaluate(password, person)}


def test_seven_rules_in_the_order_they_are_shown():
    assert [r.id for r in RULES] == [
        "length", "lowercase", "uppercase", "digit", "charset", "common", "personal"]


def test_the_guide_s_five_labels_word_for_word():
    labels = {r.id: r.label for r in RULES}
    assert labels["length"] == "8 à 24 caractères"
    assert labels["lowercase"] == "1 lettre minuscule"
    assert labels["uppercase"] == "1 lettre majuscule"
    assert labels["digit"] == "1 chiffre"
    assert labels["charset"] == "chiffres et lettres uniquement"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_reason_is_short_falc_sentences(rule):
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", rule.reason) if s]
    assert sentences
    for sentence in sentences:
        assert len(sentence.split()) <= 15, sentence


@pytest.mark.parametrize(("rule_id", "good", "bad"), [
    ("length", ["Abcdefg1", "A" * 12 + "b" * 11 + "1"], ["Abcdef1", "A" * 12 + "b" * 12 + "1", ""]),
    ("lowercase", ["ABCDEFg1"], ["ABCDEFG1", "12345678"]),
    ("uppercase", ["Abcdefg1"], ["abcdefg1", "12345678"]),
    ("digit", ["Abcdefg1"], ["Abcdefgh"]),
    ("charset", ["Abcdefg1", ""], ["Abcdefg1!", "Abc defg1", "Éléphant12", "Abcdefg1@", "Abcdéfg1",
                                   "Abcdefg1\u00a0", "Abcdefg1😀"]),
    ("common", ["Qxv7Tzr2Wplm"], ["Password1", "password1", "PASSWORD1", "azerty", "123456789", ""]),
])
def test_each_rule_on_examples(rule_id, good, bad):
    for password in good:
        assert states(password)[rule_id] is True, password
    for password in bad:
        assert states(password)[rule_id] is False, password


def test_length_bounds_are_8_and_24():
    assert states("Abcdef12")["length"] and not states("Abcdef1")["length"]
    assert states("Abcdef12" * 3)["length"] and not states("Abcdef12" * 3 + "x")["length"]


def test_password1_is_refused_only_as_too_common():
    assert failed_ids("Password1") == ["common"]
    reason = next(r.reason for r in RULES if r.id == "common")
    assert "trop connu" in reason


def test_the_common_list_has_at_least_10000_lowercase_entries():
    common = common_passwords()
    assert len(common) >= 10_000
    assert all(p == p.lower() for p in common)
    assert {"password1", "azerty", "123456", "soleil"} <= common


def test_a_password_holding_veronique_s_nir_is_refused():
    password = "Vero2840575108123"
    assert failed_ids(password) == ["personal"]
    # The same password is fine for someone else: the rule is about the person.
    assert failed_ids(password, NOBODY) == []


def test_a_password_holding_veronique_s_birth_date_is_refused():
    password = "Vero14051984"
    assert failed_ids(password) == ["personal"]
    assert failed_ids(password, NOBODY) == []
    assert failed_ids("Vero19840514") == ["personal"]


def test_a_corsican_nir_is_found_whatever_the_case():
    marie_ange = Person(nir="292092A004071", birth_date=date(1992, 9, 3))
    assert "personal" in failed_ids("Ma292092a004071", marie_ange)


def test_abc_fails_length_uppercase_and_digit():
    result = states("abc")
    assert result["length"] is False
    assert result["uppercase"] is False
    assert result["digit"] is False
    assert result["lowercase"] is True
    assert result["charset"] is True
    assert {"length", "uppercase", "digit"} <= set(failed_ids("abc"))


def test_a_good_password_passes_every_rule():
    assert failed_ids("Soleil2Marche7") == []
    assert all(states("Soleil2Marche7").values())


def test_evaluate_lists_every_rule_once_in_order():
    assert [rule for rule, _ in evaluate("x", VERONIQUE)] == list(RULES)


def test_huge_and_strange_input_is_judged_not_crashed():
    for password in ("A1b" * 4000, "\x00" * 50, "é" * 10_000, "\u202eAbcdef12"):
        result = failed_ids(password)
        assert result, password
