"""FALC rules as tests: every user-facing sentence of the templates and of the Python
messages is short, not in capitals, not in italics, not justified.

The rules and their source (../shared/docs/falc.md) live in domain/falc_rules.py; this
file finds the sentences:

- templates/: every template but SKIPPED (the legal text, the development pages).
  Jinja is removed first, with Jinja's own lexer: {{ … }} becomes the word «X» (a value),
  {% … %} is removed ({% else %}, {% elif %} and blocks become a hard sentence break:
  alternatives are never read together), {# … #} is removed; string literals inside the
  tags that read as sentences (the hints given to the field macros) are checked too.
  Then html.parser joins the text of each block element (p, li, h1–h6, label, button,
  legend, summary, td, th, dt, dd, caption, title, option, span.hint…, and div or
  section for text written straight into them); a, strong, span… stay part of their
  sentence. alt, title, aria-label and placeholder attributes are sentences too.
- Python: the French strings of app.py, domain/, blueprints/ and services/, found by
  tests/french_strings.py: above all domain/words.py, the catalogue of every message,
  label, SMS and mail text (tests/test_words_catalogue.py keeps them there), and the
  content of domain/guide.py and domain/rgaa.py; docstrings, developer errors (English)
  and the demo data are left out.

Each violation is reported as `file:line: sentence (N words)`.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

import french_strings
from domain import falc_rules
from domain.falc_rules import (ACRONYMS, EXACT_TEXTS, ITALIC_TAGS, MAX_WORDS, capital_runs,
                               count_words, css_problems, normalize, sentence_spans,
                               split_sentences, too_long)
from french_strings import python_messages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CSS = ROOT / "static" / "css" / "app.css"

# Templates not checked, and why.
SKIPPED = {
    "first_login/_cgu_text.html": "the legal text of the CGU: falc.md keeps legal texts whole, "
                                  "«but [they] get a short FALC summary above them» — «Les CGU "
                                  "en bref» in first_login/cgu.html, which is checked",
    "dev/": "development pages (the outbox): they answer 404 in production",
}
# Python files whose strings are not screen texts.
PYTHON_SKIPPED = {
    "domain/falc_rules.py": "the rules themselves (their sources and the acronyms' meanings)",
    "services/demo.py": "demo data (letters, names): data, not screen texts",
    "services/dev_provider.py": "the development stand-in for FranceConnect",
}

BLOCK_TAGS = frozenset({
    "html", "body", "head", "title", "header", "footer", "main", "nav", "section", "article",
    "aside", "div", "form", "fieldset", "legend", "details", "summary", "p", "pre",
    "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
    "label", "button", "option", "select", "textarea",
})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
NO_TEXT = frozenset({"script", "style", "svg"})
# Elements whose text is a sentence: a link inside them is part of that sentence.
SENTENCE_CONTAINERS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th",
                                 "dt", "dd", "caption", "label", "legend", "summary",
                                 "figcaption", "blockquote", "span", "button", "option"})
TEXT_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
BREAK = "\u2029"  # a hard sentence break (see falc_rules.split_sentences)
HARD_BREAK_TAGS = frozenset({"else", "elif", "block", "endblock", "macro", "endmacro", "call",
                             "endcall", "for", "endfor"})


@dataclass
class Piece:
    """A run of text read as a whole: a block element, an attribute, a string in a tag."""
    file: str
    fragments: list[tuple[int, str]] = field(default_factory=list)  # (line, text)

    def sentences(self) -> list[tuple[int, str]]:
        text, starts = "", []
        for line, fragment in self.fragments:
            starts.append((len(text), line))
            text += fragment
        found = []
        for start, end in sentence_spans(text):
            while start < end and text[start] in " \t\n\r" + BREAK:
                start += 1
            offset, line = max((s for s in starts if s[0] <= start), default=(0, 1))
            line += text[offset:start].count("\n")
            found.append((line, normalize(text[start:end].replace(BREAK, " "))))
        return found


# --- templates ---------------------------------------------------------------------------

_ENV = Environment(extensions=["jinja2.ext.do"])


def _reads_as_sentence(literal: str) -> bool:
    """A string in a Jinja tag that a person reads («Facultatif. Par exemple…»), not code
    («closest form:replace», «#code-live», «input changed delay:300ms»)."""
    if " " not in literal.strip() or re.search(r"[{}#<>=/_]|\w[:,]\w", literal):
        return False
    return bool(re.match(r"[A-ZÀ-Ý0-9]", literal) or re.search(r"[à-ÿ]", literal)
                or re.search(r"[.!?]$", literal))


def strip_jinja(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template as plain HTML (same lines), and the sentences found inside Jinja tags."""
    out, literals = [], []
    tag: list[tuple[int, str, str]] | None = None
    line = 1
    for lineno, kind, value in _ENV.lex(source):
        if tag is None and kind in ("variable_begin", "block_begin", "comment_begin",
                                     "linestatement_begin"):
            tag = [(lineno, kind, value)]
            continue
        if tag is not None:
            tag.append((lineno, kind, value))
            if kind not in ("variable_end", "block_end", "comment_end", "linestatement_end"):
                continue
            first_line, begin = tag[0][0], tag[0][1]
            newlines = "".join(v for _, _, v in tag).count("\n")
            names = [v for _, k, v in tag if k == "name"]
            if begin == "variable_begin":
                out.append("X")
            elif begin == "block_begin" and names and names[0] in HARD_BREAK_TAGS:
                out.append(BREAK)
            elif begin == "block_begin":
                out.append(" ")
            out.append("\n" * newlines)
            for lit_line, k, v in tag:
                if k == "string":
                    text = ast.literal_eval(v)
                    if _reads_as_sentence(text):
                        literals.append((lit_line, text))
            line = first_line + newlines
            tag = None
            continue
        out.append(value)
        line = lineno
    return "".join(out), literals


class _Reader(HTMLParser):
    """Joins the text of each block element; notes italics and inline styles."""

    def __init__(self, file: str) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.pieces: list[Piece] = []
        self.stack: list[tuple[str, Piece | None]] = []
        self.root = Piece(file)
        self.pieces.append(self.root)
        self.italics: list[tuple[int, str]] = []
        self.styles: list[tuple[int, str]] = []
        self.skip = 0

    def _container(self) -> str | None:
        for tag, piece in reversed(self.stack):
            if piece is not None:
                return tag
        return None

    def _block(self) -> Piece:
        for _, piece in reversed(self.stack):
            if piece is not None:
                return piece
        return self.root

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attributes = dict(attrs)
        if tag in ITALIC_TAGS:
            self.italics.append((line, f"<{tag}>"))
        if attributes.get("style"):
            self.styles.append((line, attributes["style"]))
        if (attributes.get("align") or "").lower() == "justify":
            self.styles.append((line, "text-align: justify"))
        for name in TEXT_ATTRIBUTES:
            if attributes.get(name):
                self.pieces.append(Piece(self.file, [(line, attributes[name])]))
        if tag in VOID:
            return
        if tag in NO_TEXT:
            self.skip += 1
        is_block = (tag in BLOCK_TAGS
                    or (tag == "span" and "hint" in (attributes.get("class") or "").split())
                    # A link is part of the sentence around it; alone in a div, a nav or a
                    # list of links, it is a text of its own.
                    or (tag == "a" and self._container() not in SENTENCE_CONTAINERS))
        piece = None
        if is_block:
            self._block().fragments.append((line, BREAK))
            piece = Piece(self.file)
            self.pieces.append(piece)
        self.stack.append((tag, piece))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                if tag in NO_TEXT:
                    self.skip = max(0, self.skip - 1)
                closed = self.stack[i:]
                del self.stack[i:]
                if any(piece is not None for _, piece in closed):
                    self._block().fragments.append((self.getpos()[0], BREAK))
                return

    def handle_data(self, data):
        if self.skip:
            return
        self._block().fragments.append((self.getpos()[0], data))


@dataclass
class TemplateText:
    sentences: list[tuple[str, int, str]]  # (file, line, sentence)
    italics: list[tuple[str, int, str]]
    styles: list[tuple[str, int, str]]


def _skipped(relative: str) -> bool:
    return any(relative == s or (s.endswith("/") and relative.startswith(s)) for s in SKIPPED)


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*")
                  if p.is_file() and p.suffix in (".html", ".webmanifest")
                  and not _skipped(p.relative_to(TEMPLATES).as_posix()))


def read_template(path: Path) -> TemplateText:
    relative = "templates/" + path.relative_to(TEMPLATES).as_posix()
    html, literals = strip_jinja(path.read_text(encoding="utf-8"))
    sentences = [(relative, line, s) for line, text in literals
                 for _, s in Piece(relative, [(line, text)]).sentences()]
    if path.suffix == ".webmanifest":  # JSON: the names and description a phone shows
        data = json.loads(html)
        for key in ("name", "short_name", "description"):
            line = next(i for i, l in enumerate(html.splitlines(), 1) if f'"{key}"' in l)
            sentences += [(relative, line, s) for s in split_sentences(data[key])]
        return TemplateText(sentences, [], [])
    reader = _Reader(relative)
    reader.feed(html)
    reader.close()
    for piece in reader.pieces:
        sentences += [(relative, line, s) for line, s in piece.sentences()]
    return TemplateText(sentences,
                        [(relative, line, tag) for line, tag in reader.italics],
                        [(relative, line, style) for line, style in reader.styles])


@pytest.fixture(scope="module")
def templates() -> list[TemplateText]:
    return [read_template(path) for path in template_files()]


@pytest.fixture(scope="module")
def template_sentences(templates) -> list[tuple[str, int, str]]:
    return [s for t in templates for s in t.sentences if not _code_or_values(s[2])]


def _code_or_values(sentence: str) -> bool:
    """Only placeholders («X X»), or an attribute written by a block («data-sw»)."""
    words = [w for w in sentence.split() if any(ch.isalnum() for ch in w)]
    return all(w.strip(".,:;()") == "X" for w in words) or bool(
        re.fullmatch(r"[a-z]+(-[a-z]+)+", sentence))


# --- Python messages ---------------------------------------------------------------------

def python_files() -> list[Path]:
    return french_strings.python_files(PYTHON_SKIPPED)


@pytest.fixture(scope="module")
def python_sentences() -> list[tuple[str, int, str]]:
    """Every entry of the catalogue of words, and the French of the other Python files."""
    found = french_strings.catalogue_entries()
    found += [message for path in python_files() if path != french_strings.CATALOGUE
              for message in python_messages(path)]
    return [(file, line, s) for file, line, text in found for s in split_sentences(text)]


# --- the rules ---------------------------------------------------------------------------


def _report(violations: list[str], what: str) -> None:
    if violations:
        pytest.fail(f"{len(violations)} {what} (rules: domain/falc_rules.py, source "
                    f"{falc_rules.SOURCE}):\n" + "\n".join(violations), pytrace=False)


def _long(sentences) -> list[str]:
    return [f"{file}:{line}: {s} ({count_words(s)} words)"
            for file, line, s in sentences if too_long(s)]


def _capitals(sentences) -> list[str]:
    return [f"{file}:{line}: {s} (in capitals: {', '.join(runs)})"
            for file, line, s in sentences if (runs := capital_runs(s))]


def test_template_sentences_are_short(template_sentences):
    _report(_long(template_sentences), f"template sentences over {MAX_WORDS} words")


def test_template_texts_are_not_in_capitals(template_sentences):
    _report(_capitals(template_sentences), "template texts in capitals beyond a word")


def test_templates_have_no_italics(templates):
    _report([f"{file}:{line}: {tag}" for t in templates for file, line, tag in t.italics],
            "italic tags in templates")


def test_templates_have_no_justified_italic_or_uppercase_style(templates):
    found = [f"{file}:{line}: {declaration} ({rule})" for t in templates
             for file, line, style in t.styles
             for _, rule, declaration in css_problems(style)]
    _report(found, "style attributes against FALC")


def test_the_style_sheet_has_no_justified_italic_or_uppercase_text():
    found = [f"static/css/app.css:{line}: {declaration} ({rule})"
             for line, rule, declaration in css_problems(CSS.read_text(encoding="utf-8"))]
    _report(found, "CSS declarations against FALC")


def test_python_messages_are_short(python_sentences):
    _report(_long(python_sentences), f"message sentences over {MAX_WORDS} words")


def test_python_messages_are_not_in_capitals(python_sentences):
    _report(_capitals(python_sentences), "messages in capitals beyond a word")


# --- the reader itself -------------------------------------------------------------------


def test_every_template_is_read_or_skipped_with_a_reason(templates):
    read = {s[0] for t in templates for s in t.sentences}
    assert len(read) >= 40, sorted(read)
    for skipped in SKIPPED:
        assert (TEMPLATES / skipped).exists(), f"SKIPPED lists {skipped}, which is gone"
    for name in ("pages/accessibility.html", "pages/guide.html", "pages/helpers.html",
                 "first_login/cgu.html", "base.html"):
        assert f"templates/{name}" in read, f"templates/{name} was not read"


def test_the_reader_finds_the_sentences_people_read(template_sentences, python_sentences):
    in_templates = {s for _, _, s in template_sentences}
    # Text of a block, a hint given to a macro, a title, and a message of domain/.
    assert "Allocataire, ça veut dire que j'ai un compte Caf." in in_templates
    assert "Il est écrit en bas de votre carte Vitale." in in_templates
    assert "Connexion" in in_templates
    assert "Tous les champs sont obligatoires, sauf mention contraire." in in_templates
    assert "Regardez en bas de votre carte Vitale." in {s for _, _, s in python_sentences}
    # The catalogue of words is read, every entry of it, a {placeholder} read as a value.
    from domain.words import WORDS
    in_catalogue = {s for file, _, s in python_sentences if file == "domain/words.py"}
    assert {"Le numéro a X caractères.", "1 chiffre", "Date"} <= in_catalogue
    assert len(french_strings.catalogue_entries()) == len(WORDS)
    # Code is not read as text.
    assert not any("delay:" in s or "csrf_token" in s for s in in_templates)
    assert not any("Nir needs" in s for _, _, s in python_sentences)


def test_exact_texts_are_still_on_the_screens(template_sentences, python_sentences):
    everywhere = {normalize(s) for _, _, s in template_sentences + python_sentences}
    for text, why in EXACT_TEXTS.items():
        assert why.startswith("journey.md"), text
        assert normalize(text) in everywhere, f"EXACT_TEXTS keeps {text!r}, no screen shows it"


def test_acronyms_each_have_a_meaning():
    for acronym, meaning in ACRONYMS.items():
        assert acronym.isupper() and len(meaning.split()) >= 2, acronym


@pytest.mark.parametrize("sentence, words", [
    ("Le numéro a 11 caractères.", 5),
    ("Mon numéro est 2 84 05 75 108 123.", 4),
    ("Le 2 92 09 2A 004 071 a 13 caractères.", 5),
    ("Appelez la Caf au 32 30.", 5),
    ("Par exemple : P 2024 0016.", 3),
    ("J'ai pris connaissance des conditions générales d'utilisation et je les accepte", 11),
    ("Le relevé fait 17 Ko, etc. et « Continuer » !", 8),
    ("Étape 2 sur 4 – Contact – Mon Compte Caf", 8),
])
def test_words_are_counted_as_people_read_them(sentence, words):
    assert count_words(sentence) == words


def test_sentences_are_split_where_they_end():
    assert split_sentences("Il commence par P. Ensuite, 8 chiffres : P 1234 5678. WCAG 2.1, "
                           "ameli.fr, etc. Fin ? Cliquez sur « Mot de passe oublié ? ».") == [
        "Il commence par P.", "Ensuite, 8 chiffres :", "P 1234 5678.",
        "WCAG 2.1, ameli.fr, etc. Fin ?", "Cliquez sur « Mot de passe oublié ? »."]


def test_capitals_beyond_a_word_are_found():
    assert capital_runs("MON COMPTE CAF") == ["MON COMPTE CAF"]
    assert capital_runs("Les CGU par SMS, en PDF. Référence ABCD-EFGH-JKLM") == []


def test_css_rules_find_justify_italic_and_uppercase_but_not_resets():
    css = "p { text-align: justify; }\nem { font-style: normal }\nb { font: italic 1rem x }\n" \
          "h1 { text-transform: uppercase }"
    assert [(line, rule) for line, rule, _ in css_problems(css)] == [
        (1, "justified"), (3, "italics"), (4, "capitals")]
