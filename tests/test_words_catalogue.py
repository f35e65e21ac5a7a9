"""One catalogue of words (issue 16, item 4): every sentence a person reads that is not in a
page template lives in domain/words.py, under one key.

- No Python file of the app but the catalogue holds a French sentence shown to people
  (the finder is tests/french_strings.py, the one tests/test_falc_rules.py reads with);
  the content documents of CONTENT stay where they are, each for its reason.
- Every key the code asks for exists, and every key of the catalogue is asked for (no dead
  words). A key is asked for by `say("…")`, `say(plural("…", n))`, `say("…" if … else "…")`
  or `WORDS["…"]` in a Python file that imports domain.words, and by `say("…")` in a
  template; `say(f"code.{outcome.value}")` asks for every key it can name.
- Each `say("…", name=…)` gives exactly the {placeholders} of its words.
"""
from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from domain import words
from domain.words import WORDS, plural, say
from french_strings import ROOT, french_in_source, python_files, python_messages

CATALOGUE = "domain/words.py"
# Python files whose French is content, not messages, and why they keep it.
CONTENT = {
    CATALOGUE: "the catalogue itself",
    "domain/guide.py": "the printed easy-to-read guide, transcribed step by step for /guide",
    "domain/rgaa.py": "the accessibility statement's content: the RGAA criteria and our notes",
    "domain/accessibility_statement.py": "the accessibility statement's content: tools, "
                                         "pages of the sample, statuses",
    "services/demo.py": "demo data (letters, names, payments): data, not screen texts",
    "domain/falc_rules.py": "the FALC checker's own word lists and sources, never shown",
}
TEMPLATES = ROOT / "templates"
_TEMPLATE_SAY = re.compile(r"""\bsay\(\s*(["'])([^"']+)\1""")


# --- 1. No French sentence outside the catalogue ------------------------------------------


def test_no_python_file_but_the_catalogue_holds_a_french_sentence():
    found = [f"{file}:{line}: {text!r}" for path in python_files(CONTENT)
             for file, line, text in python_messages(path)]
    assert not found, (
        f"{len(found)} French strings outside {CATALOGUE}: give each a key there and take it "
        "with say(\"…\") (or, for content, list the file in CONTENT with its reason):\n"
        + "\n".join(found))


def test_every_content_file_exists_and_holds_french():
    for path, why in CONTENT.items():
        assert (ROOT / path).is_file(), f"CONTENT lists {path}, which is gone"
        assert python_messages(ROOT / path), f"{path} has no French: take it out of CONTENT"
        assert why


SAMPLE = '''
"""Un module. Ce texte est une docstring : il n'est pas montré."""
from flask import flash
from wtforms import StringField
from wtforms.fields.choices import SelectChoice


class Form:
    """Le formulaire."""
    email = StringField("Adresse mail")
    channel = SelectChoice("sms", "Par SMS")


def view(count):
    if count > 40:
        raise ValueError("Nir needs 13 normalized characters; use parse_nir()")
    flash("Votre code est envoyé.")
    flash(f"Il manque {count} chiffres.")
    return "errors/expired_form.html", "text/html; charset=utf-8", "Téléphone portable"
'''


def test_the_finder_finds_what_a_person_reads_and_only_that():
    found = {text: line for _, line, text in french_in_source(SAMPLE, "sample.py")}
    assert found == {"Adresse mail": 10, "Par SMS": 11, "Votre code est envoyé.": 17,
                     "Il manque X chiffres.": 18, "Téléphone portable": 19}


def test_a_sentence_planted_in_a_real_file_is_found():
    path = ROOT / "blueprints" / "forms.py"
    planted = path.read_text(encoding="utf-8") + '\nWELCOME = "Bienvenue sur votre compte."\n'
    assert [text for _, _, text in french_in_source(planted, "blueprints/forms.py")] == [
        "Bienvenue sur votre compte."]
    assert not french_in_source(path.read_text(encoding="utf-8"), "blueprints/forms.py")


# --- 2. Keys asked for and keys given ------------------------------------------------------


@dataclass
class Asked:
    """The keys the code asks for: exactly (with the values given, None if they cannot be
    told), and by pattern (f-strings); the calls whose key cannot be told at all."""
    keys: dict[str, list[tuple[str, int, frozenset[str] | None]]] = field(default_factory=dict)
    patterns: list[tuple[str, int, re.Pattern]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, key: str, where: str, line: int, values: frozenset[str] | None) -> None:
        self.keys.setdefault(key, []).append((where, line, values))


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _keys_of(node: ast.AST) -> tuple[list[str], list[re.Pattern]] | None:
    """The keys a `say` argument can be: a literal, plural(literal, n), a conditional of
    those, or an f-string (a pattern). None when it cannot be told."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value], []
    if (isinstance(node, ast.Call) and _name(node.func) == "plural" and node.args
            and isinstance(node.args[0], ast.Constant)):
        return [f"{node.args[0].value}.one", f"{node.args[0].value}.many"], []
    if isinstance(node, ast.IfExp):
        body, orelse = _keys_of(node.body), _keys_of(node.orelse)
        if body is None or orelse is None:
            return None
        return body[0] + orelse[0], body[1] + orelse[1]
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(re.escape(v.value) if isinstance(v, ast.Constant) else r"[^.]+"
                          for v in node.values)
        return [], [re.compile(pattern)]
    return None


def _uses_the_catalogue(tree: ast.AST) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "domain.words"
               for node in ast.walk(tree))


def asked_in_python(asked: Asked, source: str, where: str) -> None:
    tree = ast.parse(source)
    if not _uses_the_catalogue(tree):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "WORDS" \
                and isinstance(node.slice, ast.Constant):
            asked.add(node.slice.value, where, node.lineno, None)
        if not (isinstance(node, ast.Call) and _name(node.func) == "say"):
            continue
        keys = _keys_of(node.args[0]) if node.args else None
        if keys is None:
            asked.unknown.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
            continue
        spread = any(k.arg is None for k in node.keywords)
        values = None if spread else frozenset(k.arg for k in node.keywords)
        for key in keys[0]:
            asked.add(key, where, node.lineno, values)
        asked.patterns += [(where, node.lineno, pattern) for pattern in keys[1]]


def asked_in_template(asked: Asked, source: str, where: str) -> None:
    for match in _TEMPLATE_SAY.finditer(source):
        asked.add(match[2], where, source.count("\n", 0, match.start()) + 1, None)


@pytest.fixture(scope="module")
def asked() -> Asked:
    found = Asked()
    for path in python_files({CATALOGUE: "the catalogue"}):
        asked_in_python(found, path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    for path in sorted(TEMPLATES.rglob("*.html")):
        asked_in_template(found, path.read_text(encoding="utf-8"),
                          path.relative_to(ROOT).as_posix())
    return found


def test_the_catalogue_is_plain_python():
    tree = ast.parse((ROOT / CATALOGUE).read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(node, ast.ImportFrom) and node.module == "__future__"
               for node in imports), "domain/words.py imports nothing (no Flask)"


def test_every_key_asked_for_exists(asked):
    missing = [f"{where}:{line}: {key}" for key, uses in asked.keys.items() if key not in WORDS
               for where, line, _ in uses]
    missing += [f"{where}:{line}: {pattern.pattern} (no key matches)"
                for where, line, pattern in asked.patterns
                if not any(pattern.fullmatch(key) for key in WORDS)]
    assert not missing, "keys not in domain/words.py:\n" + "\n".join(missing)


def test_every_key_is_told_plainly(asked):
    assert not asked.unknown, ("say() with a key that cannot be read: write the key (or "
                               "plural(\"…\", n), or a conditional of keys):\n"
                               + "\n".join(asked.unknown))


def test_every_key_of_the_catalogue_is_used(asked):
    dead = [key for key in WORDS if key not in asked.keys
            and not any(pattern.fullmatch(key) for _, _, pattern in asked.patterns)]
    assert not dead, "words no code asks for (dead words):\n" + "\n".join(dead)


# --- 3. Placeholders -----------------------------------------------------------------------


def placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_entry_is_a_plain_format_string():
    for key, text in WORDS.items():
        names = placeholders(text)  # raises on a stray brace
        assert all(name.isidentifier() for name in names), (key, names)
        assert text == text.strip() and "  " not in text, f"{key}: stray spaces"


def test_every_call_gives_the_values_its_words_need(asked):
    wrong = [f"{where}:{line}: {key} gets {sorted(values)}, its words need "
             f"{sorted(placeholders(WORDS[key]))}"
             for key, uses in asked.keys.items() if key in WORDS
             for where, line, values in uses
             if values is not None and values != placeholders(WORDS[key])]
    assert not wrong, "\n".join(wrong)


def test_say_fills_in_the_values_and_plural_picks_the_form():
    assert say("nir.too_short", count=11, where=say("nir.where")) == (
        "Le numéro a 11 caractères. Il en faut 13. Regardez en bas de votre carte Vitale.")
    assert [plural("wait.minutes", n) for n in (0, 1, 2)] == [
        "wait.minutes.one", "wait.minutes.one", "wait.minutes.many"]
    assert words.__doc__ and "say(" in words.__doc__


def test_the_reader_of_keys_reads_every_form_of_call():
    asked = Asked()
    asked_in_python(asked, '''
from domain.words import WORDS, plural, say
say("a.b", x=1)
say(plural("c", n), count=n)
say("d" if ok else "e")
say(f"code.{outcome.value}")
WORDS["f"]
say(key)
''', "sample.py")
    assert {key: [values for _, _, values in uses] for key, uses in asked.keys.items()} == {
        "a.b": [frozenset({"x"})], "c.one": [frozenset({"count"})],
        "c.many": [frozenset({"count"})], "d": [frozenset()], "e": [frozenset()], "f": [None]}
    assert [pattern.pattern for _, _, pattern in asked.patterns] == [r"code\.[^.]+"]
    assert asked.unknown == ["sample.py:8: say(key)"]
    other = Asked()
    asked_in_python(other, 'from domain.words_code_tmp import say\nsay("a.b")\n', "other.py")
    assert not other.keys  # only the catalogue's say counts
