import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.nir import MAX_INPUT, Nir, NirError, nir_key, normalize, parse_nir

CODES = {"empty", "allocataire", "nia", "too_short", "too_long", "characters", "sex", "key"}


def sentences(message: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", message.strip()) if s]


def word_count(sentence: str) -> int:
    # Guillemets and colons are not words; «d'un» counts as one, as a reader sees it.
    return sum(1 for token in sentence.split() if re.search(r"\w", token))


def error_for(raw: str) -> NirError:
    with pytest.raises(NirError) as caught:
        parse_nir(raw)
    return caught.value


# --- the demo accounts (docs/journey.md) -------------------------------------

@pytest.mark.parametrize(
    ("value", "key"),
    [("2840575108123", 79), ("1750169123045", 5), ("292092A004071", 70)],
)
def test_demo_keys(value: str, key: int) -> None:
    assert nir_key(value) == key
    assert Nir(value).key == key


def test_corsica_2b_key_uses_18() -> None:
    assert nir_key("292092B004071") == 97 - 2920918004071 % 97
    assert nir_key("292092B004071") != nir_key("292092A004071")


@pytest.mark.parametrize("bad", ["284057510812", "28405751081234", "2840575108I23", "292093A004071"])
def test_nir_key_refuses_what_is_not_13_normalized_characters(bad: str) -> None:
    with pytest.raises(ValueError):
        nir_key(bad)


# --- accepted forms ----------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2840575108123", "2840575108123"),
        ("2 84 05 75 108 123", "2840575108123"),
        ("  2 84 05 75 108 123\t", "2840575108123"),
        ("2.84.05.75.108.123", "2840575108123"),
        ("2-84-05-75-108-123", "2840575108123"),
        ("2\u201384\u201305\u201375\u2013108\u2013123", "2840575108123"),  # en dash
        ("2\u221284\u221205 75 108 123", "2840575108123"),  # minus sign
        ("2_84_05/75/108/123", "2840575108123"),
        ("2\u00a084\u00a005\u00a075\u00a0108\u00a0123", "2840575108123"),  # nbsp
        ("2\u202f84\u202f05\u202f75\u202f108\u202f123", "2840575108123"),  # narrow nbsp
        ("2 84 05 75 108 123 79", "2840575108123"),
        ("284057510812379", "2840575108123"),
        ("1 75 01 69 123 045 05", "1750169123045"),
        ("2 92 09 2A 004 071", "292092A004071"),
        ("2 92 09 2a 004 071", "292092A004071"),
        ("2 92 09 2a 004 071 70", "292092A004071"),
        ("2 92 09 2b 004 071", "292092B004071"),
    ],
)
def test_accepted_forms(raw: str, value: str) -> None:
    assert parse_nir(raw).value == value


def test_nir_parts() -> None:
    nir = parse_nir("2840575108123")
    assert nir.formatted == "2 84 05 75 108 123"
    assert nir.birth_year_2digits == "84"
    assert nir.birth_month == "05"
    assert parse_nir("292092a004071").formatted == "2 92 09 2A 004 071"


def test_nir_repr_does_not_show_the_number() -> None:
    assert "2840575108123" not in repr(parse_nir("2840575108123"))


@pytest.mark.parametrize("bad", ["2840575108123 79", "284057510812", "3840575108123", "2 84 05 75 108 123"])
def test_nir_refuses_a_value_that_is_not_normalized(bad: str) -> None:
    with pytest.raises(ValueError):
        Nir(bad)


def test_normalize() -> None:
    assert normalize(" 2.92-09\u00a02a\u202f004_071/\u2010\u00ad ") == "292092A004071"


# --- errors, in the order they are checked -----------------------------------

@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("", "empty", ["Écrivez votre numéro de sécurité sociale", "13 caractères"]),
        (" \u00a0. - ", "empty", ["Écrivez votre numéro de sécurité sociale"]),
        ("1" * (MAX_INPUT + 1), "too_long", ["trop long", "13 caractères", "carte Vitale"]),
        ("1234567", "allocataire", ["numéro allocataire", "numéro de sécurité sociale", "carte Vitale"]),
        ("1", "allocataire", ["numéro allocataire", "carte Vitale"]),
        ("12 34 56 78", "allocataire", ["numéro allocataire", "carte Vitale"]),
        # Karim's numéro allocataire starts with 7 but is not a NIA.
        ("7654321", "allocataire", ["numéro allocataire", "carte Vitale"]),
        ("7 84 05 75 108 123", "nia", ["commence par 7", "NIA", "numéro d'identification d'attente",
                                       "J'ai un identifiant provisoire", "32 30"]),
        ("812345678", "nia", ["commence par 8", "NIA", "32 30"]),
        # Under 9 characters a leading 7 is not a NIA: say what is wrong instead.
        ("784O5", "characters", ["la lettre O"]),
        ("2 84 O5 75 108 123", "characters", ["la lettre O", "2A ou 2B", "chiffre 0"]),
        ("2 84 05 75 1I8 123", "characters", ["la lettre I", "2A ou 2B", "chiffre 1"]),
        ("2 84 05 3A 108 123", "characters", ["la lettre A", "Corse", "2A ou 2B"]),
        ("2 84 05 2C 108 123", "characters", ["la lettre C", "Corse"]),
        ("2 84 05 75 108 12A", "characters", ["la lettre A", "Corse"]),
        ("2 84 05 75 108 12ñ", "characters", ["une lettre", "Corse"]),
        ("2 84 05 75 108 @23", "characters", ["signe", "seulement des chiffres et des espaces"]),
        ("+33 84 05 75 108 123", "characters", ["signe", "seulement des chiffres"]),
        # Other digits than 0-9 (superscript, Arabic-Indic) are not digits here.
        ("12³", "characters", ["signe"]),
        ("2840575108١٢٣", "characters", ["signe"]),
        ("é&\"'(-è_çà", "characters", ["signes à la place des chiffres", "touche des majuscules"]),
        ("28405751081", "too_short", ["11 caractères", "Il en faut 13", "carte Vitale"]),
        ("284057510", "too_short", ["9 caractères", "Il en faut 13"]),
        ("2 92 09 2A", "too_short", ["7 caractères", "Il en faut 13"]),
        ("28405751081237", "too_long", ["14 caractères", "13", "15 avec la clé", "2 derniers chiffres"]),
        ("2840575108123799", "too_long", ["16 caractères", "Il en faut 13"]),
        ("5 84 05 75 108 123", "sex", ["commence par 5", "1 ou 2", "carte Vitale"]),
        ("0 84 05 75 108 123 79", "sex", ["commence par 0", "1 ou 2"]),
        ("2 84 05 75 108 123 78", "key", ["clé", "2 derniers chiffres", "carte Vitale", "13 premiers caractères"]),
        ("2 92 09 2A 004 071 69", "key", ["clé", "13 premiers caractères"]),
    ],
)
def test_errors(raw: str, code: str, words: list[str]) -> None:
    error = error_for(raw)
    assert error.code == code
    assert str(error) == error.message
    for word in words:
        assert word in error.message


def test_too_long_raw_input_is_refused_even_when_it_would_normalize_to_a_nir() -> None:
    raw = "2 84 05 75 108 123".ljust(MAX_INPUT + 1)
    assert error_for(raw).code == "too_long"
    assert parse_nir(raw[:MAX_INPUT]).value == "2840575108123"


def test_messages_use_one_name_for_the_number() -> None:
    for raw in ["", "1234567", "7 84 05 75 108 123 45", "5840575108123"]:
        message = error_for(raw).message
        assert "NIR" not in message
        assert "sécurité sociale" in message or "numéro allocataire" in message or "NIA" in message


# --- properties ----------------------------------------------------------------

def nirs() -> st.SearchStrategy[Nir]:
    digits = lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)  # noqa: E731
    department = st.one_of(digits(2), st.sampled_from(["2A", "2B"]))
    return st.builds(
        lambda *parts: Nir("".join(parts)),
        st.sampled_from("12"), digits(4), department, digits(6),
    )


NIR_LIKE = st.text(alphabet="0123456789 .-_/\u00a0aAbBO@é+78", max_size=MAX_INPUT + 2)


@given(st.one_of(st.text(), NIR_LIKE))
def test_any_text_gives_a_nir_or_a_plain_nir_error(raw: str) -> None:
    try:
        nir = parse_nir(raw)
    except NirError as error:
        assert error.code in CODES
        for sentence in sentences(error.message):
            assert word_count(sentence) <= 15, sentence
    else:
        assert len(nir.value) == 13
        assert nir.value == normalize(raw)[:13]


@given(nirs())
def test_a_nir_round_trips_with_or_without_its_key(nir: Nir) -> None:
    assert parse_nir(nir.value) == nir
    assert parse_nir(nir.formatted) == nir
    assert parse_nir(f"{nir.formatted} {nir.key:02d}") == nir
    assert parse_nir(nir.formatted.lower()) == nir
    assert 1 <= nir.key <= 97


@given(nirs(), st.integers(min_value=0, max_value=99))
def test_any_other_key_is_refused(nir: Nir, key: int) -> None:
    raw = f"{nir.value}{key:02d}"
    if key == nir.key:
        assert parse_nir(raw) == nir
    else:
        assert error_for(raw).code == "key"
