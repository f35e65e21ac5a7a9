"""The FALC rules that a machine can check, in one place, with their source.

Source: ../shared/docs/falc.md («Writing for everyone: FALC and accessibility»), which
follows the European easy-to-read method (Inclusion Europe, «Information for all»;
Unapei in France) and the printed guide ../shared/seed/000_2ebc4cfdaec1ec4d.txt, written
that way. tests/test_falc_rules.py reads every user-facing sentence of the templates and
of the Python messages and checks it with the functions below.

Four rules are checked:

- sentence length: at most MAX_WORDS words;
- capitals: no run of more than one word in capitals (acronyms of ACRONYMS apart);
- italics: no <i>, <em> (nor the tags browsers draw in italics), no `font-style: italic`;
- justified text: no `text-align: justify`.

The other rules of falc.md (everyday words, one idea per sentence, «vous»…) need a
person who reads; these four are the ones that can fail a build.

Pure functions on strings: no Flask, no files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SOURCE = "../shared/docs/falc.md"


@dataclass(frozen=True)
class FalcRule:
    id: str
    says: str    # the rule in our words
    source: str  # the words of falc.md it comes from


MAX_WORDS = 15

RULES: tuple[FalcRule, ...] = (
    FalcRule("sentence-length", f"A sentence has at most {MAX_WORDS} words.",
             "falc.md, «Words and sentences»: «One idea per sentence. Aim for 12 words, never "
             "more than 15 in a sentence that a person must understand to go on (legal texts "
             "are kept whole, but get a short FALC summary above them).»"),
    FalcRule("capitals", "No run of more than one word in capitals (acronyms apart).",
             "falc.md, «Look»: «no sentence in capitals»."),
    FalcRule("italics", "No italics: no <i>, <em>, no font-style: italic.",
             "falc.md, «Look»: «no italics»."),
    FalcRule("justified", "Text is left-aligned: no text-align: justify.",
             "falc.md, «Look»: «Left-aligned text, never justified»."),
)

# Acronyms are not «text in capitals»: each one is said in full on the screens that use
# it (falc.md: «No abbreviation without its meaning»). Names of people («VERONIQUE F.»)
# come from the data, not from the templates, so they are not listed here.
ACRONYMS: dict[str, str] = {
    "AA": "niveau AA des règles WCAG",
    "APL": "aide personnalisée au logement",
    "CGU": "conditions générales d'utilisation",
    "FALC": "facile à lire et à comprendre",
    "NIA": "numéro d'identification d'attente",
    "NIR": "numéro d'inscription au répertoire : le numéro de sécurité sociale",
    "PDF": "format de document à imprimer",
    "RGAA": "référentiel général d'amélioration de l'accessibilité",
    "RSA": "revenu de solidarité active",
    "SMS": "message texte sur le téléphone portable",
    "WCAG": "règles internationales d'accessibilité du web",
}

# Exact texts that journey.md requires on the screens («Words in «guillemets» below are
# exact visible texts … people follow the printed guide word for word»). They are kept
# whole even when they break a rule above; each says where journey.md asks for it.
EXACT_TEXTS: dict[str, str] = {
    "En aucun cas, votre adresse mail ne sera transmise à des tiers ou utilisée à des fins "
    "commerciales.":
        "journey.md, page 5 «Coordonnées de contact»: the guide's sentence, word for word "
        "(18 words).",
}

# Tags that browsers draw in italics by default.
ITALIC_TAGS = frozenset({"i", "em", "cite", "var", "dfn", "address"})

# A period after these does not end a sentence.
ABBREVIATIONS = frozenset({"etc.", "ex.", "cf.", "env.", "mme.", "mlle.", "p.ex."})

# An end of sentence: . ! ? … or : before a space, unless a closing « » follows (the
# question mark of «Mot de passe oublié ?» inside a sentence).
_SENTENCE_END = re.compile(r"[.!?…:](?=\s|$)(?!\s*»)|\u2029")
_NUMBERISH = re.compile(r"^[(«]?[0-9][0-9A-Z]*[.,;:)»]?$")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def normalize(text: str) -> str:
    """One way to write a text: straight apostrophes, plain spaces, collapsed white space."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, as split_sentences cuts them."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group() == ".":
            word = text[start:match.start()].split()[-1:] or [""]
            if (word[0] + ".").lower() in ABBREVIATIONS:
                continue
        if count_words(text[start:match.end()].replace("\u2029", " ")):
            spans.append((start, match.end()))
        start = match.end()
    if count_words(text[start:].replace("\u2029", " ")):
        spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[str]:
    """Sentences end with . ! ? … or : followed by a space (or the end of the text).

    Not ends: a decimal point or a period inside a word («4.1», «ameli.fr»), the period of
    an abbreviation («etc.»). The character U+2029 (paragraph separator) is a hard break:
    the template reader puts it between alternatives ({% else %}) never read together.
    """
    return [normalize(text[a:b].replace("\u2029", " ")) for a, b in sentence_spans(text)]


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def _is_number(token: str) -> bool:
    return bool(_NUMBERISH.match(token))


def count_words(sentence: str) -> int:
    """Words of a sentence. Punctuation alone («, », :, –) is not a word; «d'utilisation»
    is one word. A group of numbers written with spaces is ONE word, because it is read as
    one thing: «2 84 05 75 108 123», «06 12 34 56 78», «32 30», «P 2024 0016» (a single
    capital letter followed by numbers, as the provisional identifier is written)."""
    tokens = [t for t in normalize(sentence).split() if _is_word(t)]
    count, i = 0, 0
    while i < len(tokens):
        token = tokens[i]
        j = i + 1
        if _is_number(token) or (re.fullmatch(r"[A-Z]", token) and j < len(tokens)
                                 and _is_number(tokens[j])):
            while j < len(tokens) and _is_number(tokens[j]):
                j += 1
        count += 1
        i = j
    return count


def is_exact_text(sentence: str) -> bool:
    return normalize(sentence) in {normalize(text) for text in EXACT_TEXTS}


def too_long(sentence: str) -> bool:
    """More than MAX_WORDS words, and not one of journey.md's exact texts."""
    return count_words(sentence) > MAX_WORDS and not is_exact_text(sentence)


def _capital_word(token: str) -> bool:
    word = token.strip(".,;:!?«»()\"'*–-")
    letters = _LETTERS.findall(word)
    return (len(letters) >= 2 and all(ch.isupper() for ch in letters)
            and word not in ACRONYMS)


def capital_runs(text: str) -> list[str]:
    """Runs of 2 words or more written in capitals: «MON COMPTE», «NE PAS OUBLIER».
    A word alone in capitals (a reference like «ABCD-EFGH-JKLM») and the acronyms of
    ACRONYMS are not runs."""
    runs, current = [], []
    for token in normalize(text).split():
        if _capital_word(token):
            current.append(token)
            continue
        if len(current) > 1:
            runs.append(" ".join(current))
        current = []
    if len(current) > 1:
        runs.append(" ".join(current))
    return runs


_CSS_PROBLEMS = (
    ("justified", re.compile(r"text-align\s*:\s*justify", re.I)),
    ("italics", re.compile(r"font-style\s*:\s*(italic|oblique)", re.I)),
    ("italics", re.compile(r"(?<![-\w])font\s*:[^;}]*\b(italic|oblique)\b", re.I)),
    ("capitals", re.compile(r"text-transform\s*:\s*uppercase", re.I)),
)


def css_problems(css: str) -> list[tuple[int, str, str]]:
    """(line, rule id, declaration) for each justified, italic or uppercase declaration in a
    style sheet or a style="…" attribute. `font-style: normal` (a reset) is fine."""
    css_without_comments = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css,
                                  flags=re.S)
    found = []
    for number, line in enumerate(css_without_comments.splitlines(), start=1):
        for rule_id, pattern in _CSS_PROBLEMS:
            for match in pattern.finditer(line):
                found.append((number, rule_id, match.group()))
    return found
