"""The French strings of the app's Python files, found with the ast module: shared by
tests/test_falc_rules.py (is each one easy to read?) and tests/test_words_catalogue.py
(is each one in domain/words.py, the catalogue of words?).

A string is French when it reads as French: 2 words or more, no English word among them
(«the», «is», «must»… of the developers' errors), and a French little word («de», «vous»,
«par»…) or an accented letter («Téléphone portable»). A field's label is French whatever it
holds («Adresse mail», «Identifiant provisoire»): the first argument of a wtforms field
(`StringField("…")`), `label="…"`, and the words of a `SelectChoice("sms", "…")`.
Docstrings are left out. In an f-string each value is «X»; so is each {placeholder} of a
catalogue entry, as the templates' values are.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from domain.falc_rules import normalize

ROOT = Path(__file__).resolve().parent.parent
# The app's Python: app.py and these folders (their migrations apart).
PYTHON_FOLDERS = ("domain", "blueprints", "services")
PYTHON_FILES = ("app.py",)

FRENCH_WORDS = frozenset({
    "le", "la", "les", "de", "des", "du", "un", "une", "vous", "votre", "vos", "est", "et",
    "pas", "ne", "au", "aux", "à", "pour", "avec", "sur", "ce", "cette", "il", "elle",
    "nous", "mon", "ma", "mes", "ou", "en", "plus", "je", "j'ai", "c'est", "n'est",
    "par", "sans", "dans", "autre", "qui", "que",
})
ENGLISH_WORDS = frozenset({
    "the", "is", "are", "to", "of", "and", "an", "use", "uses", "needs", "must", "with",
    "for", "not", "when", "this", "that", "from", "by", "be", "it", "or", "if", "no",
})
_ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊÎÔÙÛŒ]")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def reads_as_french(text: str) -> bool:
    words = {w.strip(".,;:!?«»()\"'").lower() for w in normalize(text).split()}
    words.discard("")
    if len(words) < 2 or words & ENGLISH_WORDS:
        return False
    return bool(words & FRENCH_WORDS) or bool(_ACCENTED.search(text))


def _string_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _PLACEHOLDER.sub("X", node.value)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("X")
        return "".join(parts)
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _labels(tree: ast.AST) -> set[int]:
    """The strings that are a field's label, French whatever they hold."""
    ids = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name.endswith("Field") and node.args:
            ids.add(id(node.args[0]))
        if name == "SelectChoice" and len(node.args) > 1:
            ids.add(id(node.args[1]))
        ids.update(id(k.value) for k in node.keywords if k.arg == "label")
    return ids


def python_files(skipped: dict[str, str]) -> list[Path]:
    """The app's Python files, but those of `skipped` (path → why) and the migrations."""
    files = [ROOT / name for name in PYTHON_FILES]
    for folder in PYTHON_FOLDERS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return [path for path in files
            if path.relative_to(ROOT).as_posix() not in skipped
            and "/migrations/" not in path.relative_to(ROOT).as_posix()]


def french_in_source(source: str, relative: str) -> list[tuple[str, int, str]]:
    """(file, line, text) of each French string of a Python source, docstrings apart."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    labels = _labels(tree)
    inside_fstring = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                      for v in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inside_fstring:
            continue
        text = _string_of(node)
        if text and text.strip() and (id(node) in labels or reads_as_french(text)):
            found.append((relative, node.lineno, text))
    return sorted(found, key=lambda item: item[1])


def python_messages(path: Path) -> list[tuple[str, int, str]]:
    """(file, line, text) of each French string of a Python file of the app."""
    return french_in_source(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


CATALOGUE = ROOT / "domain" / "words.py"


def catalogue_entries() -> list[tuple[str, int, str]]:
    """(file, line, words) of every entry of domain/words.py's WORDS, each one a text shown
    to people, whether or not it reads as French on its own («1 chiffre», «Date»)."""
    tree = ast.parse(CATALOGUE.read_text(encoding="utf-8"))
    entries = next(node.value for node in tree.body if isinstance(node, ast.AnnAssign)
                   and getattr(node.target, "id", "") == "WORDS")
    return [("domain/words.py", value.lineno, _string_of(value)) for value in entries.values]
