"""The RGAA 4.1 self-assessment (domain/rgaa.py) claims only what tests prove.

Two parts:

1. The data: the 106 criteria in order, the right count per theme, short labels, and every
   proof is a real test (the file exists and defines the function, read with `ast`).
2. The proofs this file gives itself. The Flask test client draws every HTML page of the
   app once (public pages from the url_map, Karim's signed-in pages, Véronique's
   first-login steps, the forgotten-password steps, a few error states); each test then
   checks one thing on all of them: what a «non applicable» needs to be absent (no frame,
   no video, no CAPTCHA…) or what a «respecté» needs to be true (a caption on every table,
   the same header everywhere…). Each of these tests is cited by the criteria it backs.

A criterion found «non respecté» has a strict xfail test here: when someone fixes it, the
test passes, fails the suite, and domain/rgaa.py gets updated.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from domain import rgaa
from flask_helpers import (fresh_database, KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           collapse, get_csrf, make_app, sign_in)

ROOT = Path(__file__).resolve().parent.parent
CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
OUR_JS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").glob("*.js")
          if not p.name.endswith(".min.js")}
ALL_JS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").glob("*.js")}

# RGAA 4.1: 13 themes and how many criteria each has.
THEME_SIZES = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}
THEME_NAMES = {1: "Images", 2: "Cadres", 3: "Couleurs", 4: "Multimédia", 5: "Tableaux", 6: "Liens",
               7: "Scripts", 8: "Éléments obligatoires", 9: "Structuration de l'information",
               10: "Présentation de l'information", 11: "Formulaires", 12: "Navigation",
               13: "Consultation"}
NODE_ID = re.compile(r"^(tests|e2e)/test_\w+\.py::(Test\w+::)?test_\w+$")

# GET routes that do not answer a page of the service
# (dev.*: the development outbox, 404 in production; franceconnect.start: off to the provider.)
NOT_PAGES = {"static", "pages.manifest", "pages.service_worker", "account.statement",
             "first_login.start", "franceconnect.start", "dev.messages", "dev.messages_json"}
NEW_MAIL = "karim.nouveau@example.org"
VERONIQUE_MAIL = "veronique.f@example.org"
NEW_PASSWORD = "Soleil2Marche7"
TEXT_INPUT_TYPES = {None, "text", "password", "email", "tel", "number", "search", "url"}


# --- reading a page as a tree ------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list = field(default_factory=list)  # Node or str

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.get("class") or "").split())

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text(self, skip_hidden: bool = False) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not (skip_hidden and child.get("aria-hidden") == "true"):
                parts.append(child.text(skip_hidden))
        return collapse("".join(parts))


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.doctype = ""

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs), self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.stack[-1].children.append(data)


@dataclass
class Doc:
    name: str
    url: str
    status: int
    html: str
    root: Node = None
    doctype: str = ""

    def __post_init__(self):
        builder = _TreeBuilder()
        builder.feed(self.html)
        builder.close()
        self.root, self.doctype = builder.root, builder.doctype

    def all(self, *tags: str) -> list[Node]:
        return [n for n in self.root.walk() if not tags or n.tag in tags]

    @property
    def body(self) -> Node:
        return self.all("body")[0]


# --- every page of the app, drawn once ------------------------------------------------------------


def _form_post(client, url: str, data: dict, csrf_url: str | None = None):
    return client.post(url, data=dict(data, csrf_token=get_csrf(client, csrf_url or url)))


def _newest_code(client) -> str:
    return re.search(r"\b(\d{6})\b", client.get("/dev/messages.json").get_json()[0]["body"]).group(1)


def _draw_pages(app) -> dict[str, Doc]:
    from blueprints.pages import HELP

    docs: dict[str, Doc] = {}

    def keep(name: str, client, url: str, response=None) -> Doc:
        response = response if response is not None else client.get(url)
        assert response.mimetype == "text/html", f"{url} answered {response.mimetype}"
        docs[name] = Doc(name, url, response.status_code, response.get_data(as_text=True))
        return docs[name]

    stranger = app.test_client()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_PAGES:
            continue
        response = stranger.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            keep(rule.endpoint, stranger, rule.rule, response)
    for name in ("pages.guide_page", "pages.helpers", "pages.accessibility", "auth.sign_in"):
        assert name in docs, f"{name} did not answer a page"
    for slug in HELP:
        keep(f"help:{slug}", stranger, f"/aide/{slug}")
    keep("404", stranger, "/une-page-qui-n-existe-pas")
    keep("sign-in: error", stranger, "/connexion",
         _form_post(stranger, "/connexion", {"nir": "", "password": ""}))
    keep("check attestation: error", stranger, "/verifier-une-attestation?reference=ABCD-EFGH-JKLM")

    karim = app.test_client()
    assert sign_in(karim, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    for url in ("/mon-compte", "/mon-compte/allocations", "/mon-compte/attestations",
                "/mon-compte/courriers", "/mon-compte/coordonnees"):
        keep(url, karim, url)
    letter = next(a.get("href") for a in docs["/mon-compte/courriers"].all("a")
                  if re.fullmatch(r"/mon-compte/courriers/\d+", a.get("href") or ""))
    keep("a letter", karim, letter)
    keep("payments: error", karim, "/mon-compte/allocations?du=2026-13&au=2026-01")
    response = _form_post(karim, "/mon-compte/coordonnees", {
        "mobile": "06 12 34 56 78", "other_phone": "", "email": NEW_MAIL, "channel": "mail"})
    assert response.status_code == 303, response.status_code
    keep("/mon-compte/coordonnees/code", karim, "/mon-compte/coordonnees/code")

    veronique = app.test_client()
    assert sign_in(veronique, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    keep("first login: cgu", veronique, "/premiere-connexion/conditions")
    keep("first login: cgu error", veronique, "/premiere-connexion/conditions",
         _form_post(veronique, "/premiere-connexion/conditions", {}))
    assert _form_post(veronique, "/premiere-connexion/conditions", {"accept": "y"}).status_code == 303
    keep("first login: password", veronique, "/premiere-connexion/mot-de-passe")
    assert _form_post(veronique, "/premiere-connexion/mot-de-passe", {
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 303
    keep("first login: contact", veronique, "/premiere-connexion/coordonnees")
    assert _form_post(veronique, "/premiere-connexion/coordonnees", {
        "mobile": "", "other_phone": "", "email": VERONIQUE_MAIL, "channel": "mail"}).status_code == 303
    keep("first login: code", veronique, "/premiere-connexion/code")

    forgetful = app.test_client()
    assert _form_post(forgetful, "/mot-de-passe-oublie", {"nir": KARIM_NIR}).status_code == 303
    keep("reset: code", forgetful, "/mot-de-passe-oublie/code")
    response = _form_post(forgetful, "/mot-de-passe-oublie/code", {"code": _newest_code(forgetful)})
    assert response.status_code == 303, response.status_code
    keep("reset: new password", forgetful, response.headers["Location"])
    return docs


@pytest.fixture(scope="module")
def pages(tmp_path_factory, template_db) -> list[Doc]:
    from services.database import db
    from services.limiter import limiter

    db_file = fresh_database(tmp_path_factory.mktemp("rgaa"), template_db, "rgaa.db")
    # FranceConnect on, as in production: the sign-in pages then show its block and its link.
    app = make_app(db_file, FRANCECONNECT_ISSUER="http://127.0.0.1:9400")
    limiter.reset()
    try:
        docs = _draw_pages(app)
    finally:
        limiter.reset()
        with app.app_context():
            db.engine.dispose()
    assert len(docs) >= 30, sorted(docs)
    return list(docs.values())


def problems_in(pages: list[Doc], check) -> list[str]:
    """Run `check(doc)` (which yields what is wrong) on every page; returns «page: problem» lines."""
    return [f"{doc.name} ({doc.url}): {problem}" for doc in pages for problem in check(doc)]


def css_rules(css: str = CSS, print_too: bool = False) -> list[tuple[str, str]]:
    """(selector, declarations) of the stylesheet, comments removed; @media print left out
    unless asked (it only shapes the paper copy)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    if not print_too:
        css = _without_block(css, "@media print")
    css = re.sub(r"@[\w-]+[^{;]*;", "", css)  # @import-like one-liners
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        selector = " ".join(selector.split())
        if selector.startswith("@"):
            continue
        found.append((selector, " ".join(body.split())))
    return found


def _without_block(css: str, opening: str) -> str:
    start = css.find(opening)
    while start != -1:
        i, depth = css.index("{", start), 0
        for j in range(i, len(css)):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            if depth == 0:
                break
        css = css[:start] + css[j + 1:]
        start = css.find(opening)
    return css


def declarations(body: str) -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, v in
            (d.split(":", 1) for d in body.split(";") if ":" in d)}


def attribute_values(pages: list[Doc], name: str) -> list[str]:
    return [n.get(name) or "" for doc in pages for n in doc.all() if name in n.attrs]


# === 1. The data =================================================================================


def expected_numbers() -> list[str]:
    return [f"{theme}.{i}" for theme, size in THEME_SIZES.items() for i in range(1, size + 1)]


def test_the_106_criteria_are_all_there_once_in_order():
    numbers = [c.number for c in rgaa.CRITERIA]
    assert len(numbers) == 106 == sum(THEME_SIZES.values())
    assert len(set(numbers)) == 106, "a criterion is listed twice"
    assert numbers == expected_numbers()


def test_the_13_themes_and_their_criteria():
    assert rgaa.THEMES == THEME_NAMES
    for theme, size in THEME_SIZES.items():
        assert sum(1 for c in rgaa.CRITERIA if c.number.split(".")[0] == str(theme)) == size, theme


def test_each_criterion_is_well_formed():
    problems = []
    for c in rgaa.CRITERIA:
        words = c.label.split()
        if not 3 <= len(words) <= 15:
            problems.append(f"{c.number}: label of {len(words)} words")
        if not c.label[0].isupper() or not c.label.endswith("."):
            problems.append(f"{c.number}: a label is one sentence, with a capital and a full stop")
        if c.status not in ("C", "NC", "NA", "NT"):
            problems.append(f"{c.number}: unknown status {c.status!r}")
        if not isinstance(c.proof, tuple) or not all(isinstance(p, str) for p in c.proof):
            problems.append(f"{c.number}: proof is not a tuple of node ids")
        if c.status in ("C", "NA") and not c.proof:
            problems.append(f"{c.number}: {c.status} without a test that proves it")
        if c.status in ("NA", "NC", "NT") and not c.note:
            problems.append(f"{c.number}: {c.status} without a note saying why")
        # Short: at most 2 sentences (each of them ≤ 15 words: tests/test_falc_rules.py).
        if c.note and (not c.note.endswith(".") or len(c.note.split()) > 30
                       or len(re.findall(r"[.!?] +[A-ZÀ-Ý]", c.note)) > 1):
            problems.append(f"{c.number}: the note is not short: {c.note!r}")
        if len(set(c.proof)) != len(c.proof):
            problems.append(f"{c.number}: a proof is cited twice")
    assert not problems, "\n".join(problems)


def _test_names(path: Path) -> set[str]:
    """«test_x» and «TestY::test_x» defined in the file."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(f"{node.name}::{item.name}" for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                         and item.name.startswith("test_"))
    return names


def test_every_proof_is_a_test_that_exists():
    problems, cache = [], {}
    for c in rgaa.CRITERIA:
        for proof in c.proof:
            if not NODE_ID.match(proof):
                problems.append(f"{c.number}: {proof!r} is not «tests|e2e/test_x.py::test_y» (no parameters)")
                continue
            file, name = proof.split("::", 1)
            path = ROOT / file
            if not path.is_file():
                problems.append(f"{c.number}: {file} does not exist")
                continue
            if file not in cache:
                cache[file] = _test_names(path)
            if name not in cache[file]:
                problems.append(f"{c.number}: {file} defines no {name}")
    assert not problems, "\n".join(problems)


def test_every_check_of_this_file_backs_a_criterion():
    cited = {p.split("::", 1)[1] for c in rgaa.CRITERIA for p in c.proof
             if p.startswith("tests/test_rgaa_claims.py::")}
    checks = {name for name in _test_names(Path(__file__)) if name.startswith("test_")} - {
        "test_the_106_criteria_are_all_there_once_in_order", "test_the_13_themes_and_their_criteria",
        "test_each_criterion_is_well_formed", "test_every_proof_is_a_test_that_exists",
        "test_every_check_of_this_file_backs_a_criterion", "test_the_summary_adds_up"}
    assert checks == cited, f"not cited: {sorted(checks - cited)}; cited but missing: {sorted(cited - checks)}"


def test_the_summary_adds_up():
    s = rgaa.summary()
    counts = {k: sum(1 for c in rgaa.CRITERIA if c.status == k) for k in ("C", "NC", "NA", "NT")}
    assert {k: s[k] for k in counts} == counts
    assert s["total"] == 106 == sum(counts.values())
    assert s["evaluated"] == counts["C"] + counts["NC"] + counts["NA"]
    assert isinstance(s["rate"], int) and s["rate"] == 100 * counts["C"] // (counts["C"] + counts["NC"])
    assert 0 <= s["rate"] <= 100


# === 2. Proofs: what is absent («non applicable») =================================================


def test_no_frame(pages):
    """Theme 2: no frame, so no frame title to give."""
    assert not problems_in(pages, lambda d: [f"<{n.tag}>" for n in d.all("iframe", "frame", "frameset")])
    assert "frame-src" not in CSS


def test_no_sound_video_or_animated_object(pages):
    """Theme 4 (and the object/embed/canvas images of 1.1): no media of any kind."""
    media = ("video", "audio", "object", "embed", "canvas", "bgsound", "applet", "track",
             "animate", "animatemotion", "animatetransform", "set")
    assert not problems_in(pages, lambda d: [f"<{n.tag}>" for n in d.all(*media)])
    files = [p.name for p in (ROOT / "static").rglob("*")
             if p.suffix.lower() in {".mp3", ".mp4", ".webm", ".ogg", ".ogv", ".wav", ".m4a", ".gif", ".swf"}]
    assert not files, files
    for name, js in ALL_JS.items():
        assert not re.search(r"new Audio\b|\.play\(\)|getUserMedia|speechSynthesis", js), name


def test_no_captcha(pages):
    """1.4 and 1.5: nothing asks a person to prove they are human."""
    # Read in the code of the pages (attributes), not in their words: the accessibility
    # statement itself names the criterion.
    captcha = re.compile(r"captcha|turnstile|friendly-?challenge", re.I)
    assert not problems_in(pages, lambda d: [f"<{n.tag} {k}={v!r}>" for n in d.all()
                                             for k, v in n.attrs.items() if captcha.search(f"{k} {v}")])
    sources = attribute_values(pages, "src")
    assert all(s.startswith("/") for s in sources), f"content from other sites: {sources}"


def test_no_image_has_a_detailed_description(pages):
    """1.7: no image carries a detailed description (longdesc, aria-describedby, aria-details)."""
    def check(d):
        for n in d.all():
            if n.tag in ("img", "svg") or n.get("role") == "img":
                for name in ("longdesc", "aria-describedby", "aria-details"):
                    if name in n.attrs:
                        yield f"<{n.tag}> has {name}"
    assert not problems_in(pages, check)


def test_no_image_has_a_caption(pages):
    """1.9: no image has a caption (no figure, no figcaption, no image named by another text)."""
    def check(d):
        yield from (f"<{n.tag}>" for n in d.all("figure", "figcaption"))
        yield from (f"<{n.tag} aria-labelledby>" for n in d.all("img", "svg") if "aria-labelledby" in n.attrs)
    assert not problems_in(pages, check)


def test_every_table_is_a_simple_data_table(pages):
    """Theme 5: every table is a data table (never a layout table) with a caption first, one row
    of column headers (th scope="col") and data cells below: a simple table, so no summary is
    needed and each cell meets its header by its column."""
    tables = 0

    def check(d):
        nonlocal tables
        for table in d.all("table"):
            tables += 1
            children = [c for c in table.children if isinstance(c, Node)]
            if not children or children[0].tag != "caption" or not children[0].text():
                yield "a table without a caption first"
            if table.get("role") in ("presentation", "none") or "summary" in table.attrs:
                yield "a layout table"
            heads = [r for t in children if t.tag == "thead" for r in t.children if isinstance(r, Node)]
            if len(heads) != 1 or not all(c.tag == "th" and c.get("scope") == "col" and c.text()
                                          for c in heads[0].children if isinstance(c, Node)):
                yield "the table has not one row of column headers (th scope=col)"
            for body in (t for t in children if t.tag == "tbody"):
                for cell in body.walk():
                    if cell.tag in ("th", "table"):
                        yield f"<{cell.tag}> inside the body: not a simple table"
            for cell in table.walk():
                for name in ("rowspan", "colspan", "headers"):
                    if name in cell.attrs:
                        yield f"<{cell.tag} {name}>: not a simple table"
    assert not problems_in(pages, check)
    assert tables >= 2, "no table drawn: the payments page has one per benefit"


def test_no_change_of_language_is_marked(pages):
    """8.8: only <html> says a language; no passage is marked as being in another language."""
    assert not problems_in(pages, lambda d: [f"<{n.tag} lang={n.get('lang')}>" for n in d.all()
                                             if ("lang" in n.attrs or "xml:lang" in n.attrs) and n.tag != "html"])


def test_no_right_to_left_text(pages):
    """8.10: everything reads left to right: no dir attribute, no bdo, no Hebrew or Arabic script."""
    rtl = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")

    def check(d):
        yield from (f"<{n.tag} dir>" for n in d.all() if "dir" in n.attrs or n.tag == "bdo")
        if rtl.search(d.html):
            yield "right-to-left letters"
    assert not problems_in(pages, check)


def test_nothing_appears_on_hover_or_focus(pages):
    """10.13 and 10.14: no tooltip (title attribute), no style that shows something on hover or
    focus except the skip link showing itself, no script that reacts to hover or focus."""
    assert not problems_in(pages, lambda d: [f"<{n.tag} title>" for n in d.all() if "title" in n.attrs])
    allowed = {"color", "background", "background-color", "border-color", "outline", "outline-offset",
               "box-shadow", "text-decoration", "text-decoration-thickness"}
    for selector, body in css_rules():
        if re.search(r":(hover|focus|focus-visible|focus-within|active)\b", selector):
            extra = set(declarations(body)) - allowed
            if selector == ".skip-link:focus":  # the focused link itself comes on screen
                continue
            assert not extra, f"{selector} changes {sorted(extra)} on hover or focus"
    for name, js in OUR_JS.items():
        assert not re.search(r"""addEventListener\(\s*["'](mouse\w*|pointer\w*|focus\w*|blur)["']""", js), name
    assert not [t for t in attribute_values(pages, "data-hx-trigger") + attribute_values(pages, "hx-trigger")
                if re.search(r"mouse|focus|blur|pointer", t)]


def test_no_site_map_and_no_search_engine(app, pages):
    """12.3 to 12.5: the site has no site map page and no search engine."""
    assert not [r.rule for r in app.url_map.iter_rules() if re.search(r"plan|recherche|search", r.rule)]

    def check(d):
        for n in d.all():
            if n.tag == "search" or n.get("role") == "search" or (n.tag == "input" and n.get("type") == "search"):
                yield f"a search field <{n.tag}>"
            if n.tag == "a" and re.search(r"plan du site", n.text(), re.I):
                yield "a link to a site map"
    assert not problems_in(pages, check)


def test_no_keyboard_shortcut(pages):
    """12.10: no accesskey, and no script listens to keys."""
    assert not attribute_values(pages, "accesskey")
    for name, js in ALL_JS.items():
        assert not re.search(r"""["'](keydown|keyup|keypress)["']|\.onkey""", js), name
    assert not [t for t in attribute_values(pages, "data-hx-trigger") + attribute_values(pages, "hx-trigger")
                if "key" in t]


def test_no_ascii_art_and_no_emoticon(pages):
    """13.5 and 13.6: no emoticon, no emoji, no drawing made of characters."""
    emoji = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]")
    emoticon = re.compile(r"(?<!\w)[:;=8][-']?[()\[\]DPpOo/\\|](?!\w)|<3|\^_\^|o_O")
    drawing = re.compile(r"[-=_*#~^|\\/<>+]{3,}")

    def check(d):
        text = d.body.text()
        for pattern in (emoji, emoticon, drawing):
            if match := pattern.search(text):
                yield f"{match.group(0)!r}"
        yield from ("<pre>" for _ in d.all("pre"))
    assert not problems_in(pages, check)


def test_nothing_moves_blinks_or_flashes(pages):
    """13.7 and 13.8: no animation, no transition, no blinking, no moving text, no GIF."""
    assert not problems_in(pages, lambda d: [f"<{n.tag}>" for n in d.all("marquee", "blink")])
    assert not problems_in(pages, lambda d: [s for s in attribute_values([d], "src") if s.lower().endswith(".gif")])
    assert not re.search(r"@keyframes|animation|transition|blink|scroll-behavior", CSS)
    for name, js in OUR_JS.items():
        assert not re.search(r"setInterval|requestAnimationFrame|\.animate\(", js), name
    # htmx adds its own fading style unless told not to.
    configs = {n.get("content") for d in pages for n in d.all("meta") if n.get("name") == "htmx-config"}
    assert all(json.loads(c)["includeIndicatorStyles"] is False for c in configs), configs


def test_no_gesture_and_no_motion_of_the_phone():
    """13.10 and 13.12: no swipe, pinch or drag to do, nothing done by moving the phone."""
    for name, js in ALL_JS.items():
        assert not re.search(r"""["'](touch\w+|gesture\w+|pointermove|drag\w*|devicemotion|deviceorientation)["']"""
                             r"|DeviceMotionEvent|DeviceOrientationEvent", js), name
    assert "touch-action" not in CSS


# === 3. Proofs: what is true («respecté») ==========================================================


def test_every_page_starts_with_the_html5_doctype(pages):
    assert not problems_in(pages, lambda d: [] if d.html.lstrip().lower().startswith("<!doctype html>")
                           else ["no <!doctype html> first"])


def test_every_page_is_in_french(pages):
    """8.3 and 8.4: <html lang="fr"> on every page."""
    assert not problems_in(pages, lambda d: [] if [n.get("lang") for n in d.all("html")] == ["fr"]
                           else ["<html> does not say lang=\"fr\""])


def test_every_page_has_a_title(pages):
    def check(d):
        titles = [n for n in d.all("title") if any(a.tag == "head" for a in n.ancestors())]
        if len(titles) != 1 or not re.fullmatch(r".*\S – Mon Compte Caf", titles[0].text()):
            yield f"title {[t.text() for t in titles]}"
    assert not problems_in(pages, check)


def test_every_image_has_a_text_alternative(pages):
    """1.1: every <img> has an alt, and the guide's pictures (which inform) a real one; an SVG
    is hidden or named; no image map, no image button."""
    pictures = 0

    def check(d):
        nonlocal pictures
        for n in d.all():
            if n.tag == "img":
                if "alt" not in n.attrs:
                    yield f"<img src={n.get('src')}> without alt"
                elif "/guide/" in (n.get("src") or ""):
                    pictures += 1
                    if len((n.get("alt") or "").split()) < 3:
                        yield f"the guide's picture {n.get('src')} has no real text alternative"
                if "usemap" in n.attrs or "ismap" in n.attrs:
                    yield "an image map"
            if n.tag in ("area", "map") or (n.tag == "input" and n.get("type") == "image"):
                yield f"<{n.tag}>"
            if n.tag == "svg" and n.get("aria-hidden") != "true" and not (
                    n.get("role") == "img" and (n.get("aria-label") or "").strip()):
                yield "an SVG neither hidden nor named"
            if n.get("role") == "img" and n.tag != "svg" and not (n.get("aria-label") or n.get("aria-labelledby")):
                yield f"<{n.tag} role=img> without a name"
    assert not problems_in(pages, check)
    assert pictures >= 11, "the guide's 11 pictures were not drawn"


def test_decorative_images_are_hidden_from_screen_readers(pages):
    """1.2: icons are decoration beside words: hidden (aria-hidden, not focusable), each next to
    words; an empty alt is never undone by a title or a name; nothing hidden can take focus."""
    focusable = ("a", "button", "input", "select", "textarea", "summary")

    def check(d):
        for n in d.all():
            if n.tag == "svg" and n.get("role") != "img":
                if n.get("aria-hidden") != "true" or n.get("focusable") != "false":
                    yield "a decorative SVG not hidden (aria-hidden=true, focusable=false)"
                if not n.parent.text(skip_hidden=True):
                    yield "an icon alone, without words beside it"
            if n.tag == "img" and n.get("alt") == "":
                if any(a in n.attrs for a in ("title", "aria-label", "aria-labelledby", "role")):
                    yield "a decorative image that is given a name"
            if n.get("aria-hidden") == "true":
                if [c for c in n.walk() if c.tag in focusable or "tabindex" in c.attrs]:
                    yield f"<{n.tag} aria-hidden> holds something that takes focus"
    assert not problems_in(pages, check)


def test_every_link_has_words(pages):
    """6.2: every link has words a screen reader can say."""
    def check(d):
        for a in d.all("a"):
            if "href" in a.attrs and not (a.text(skip_hidden=True) or a.get("aria-label")):
                yield f"<a href={a.get('href')}> without words"
    assert not problems_in(pages, check)


def test_presentation_is_left_to_the_stylesheet(pages):
    """10.1: no presentation tag or attribute in the pages, and no letters spaced out with spaces."""
    tags = ("basefont", "big", "blink", "center", "font", "marquee", "s", "strike", "tt")
    attributes = ("align", "alink", "background", "bgcolor", "border", "cellpadding", "cellspacing", "char",
                  "charoff", "clear", "color", "compact", "frameborder", "hspace", "link", "marginheight",
                  "marginwidth", "text", "valign", "vlink", "vspace")
    sized = ("img", "object", "embed", "canvas", "svg")
    spaced = re.compile(r"(?<!\S)(?:[A-Za-zÀ-ÿ] ){3,}[A-Za-zÀ-ÿ](?!\S)")

    def check(d):
        for n in d.all():
            if n.tag in tags:
                yield f"<{n.tag}>"
            for name in attributes:
                if name in n.attrs:
                    yield f"<{n.tag} {name}>"
            if ("width" in n.attrs or "height" in n.attrs) and n.tag not in sized:
                yield f"<{n.tag} width/height>"
            if "size" in n.attrs and n.tag != "select":
                yield f"<{n.tag} size>"
        if match := spaced.search(d.body.text()):
            yield f"letters spaced out: {match.group(0)!r}"
    assert not problems_in(pages, check)


def test_the_stylesheet_adds_no_content():
    """10.2 and 10.3: the stylesheet writes no words and shows no picture: without it, nothing
    that informs is lost."""
    for selector, body in css_rules(print_too=True):
        props = declarations(body)
        if "content" in props:
            assert props["content"] in ('""', "''", "none"), f"{selector} writes {props['content']}"
    assert "url(" not in CSS and "image-set" not in CSS, "the stylesheet shows a picture"


def test_the_stylesheet_keeps_the_reading_order():
    """10.3 and 12.8: what is seen comes in the order of the code (which Tab follows too): no
    reordering by flex or grid, nothing lifted out of the flow but the skip link and hidden text."""
    lifted_ok = {".skip-link", ".visually-hidden"}
    for selector, body in css_rules():
        props = declarations(body)
        assert "order" not in props, selector
        assert not re.search(r"reverse", props.get("flex-direction", "") + props.get("flex-flow", "")), selector
        assert not {"grid-area", "grid-row", "grid-template-areas", "float"} & set(props), selector
        if "grid-column" in props:  # only to keep a checkbox's hint under its label
            assert selector == ".checkbox .hint", selector
        if props.get("position") in ("absolute", "fixed"):
            assert selector in lifted_ok, f"{selector} is lifted out of the reading order"


def test_text_sizes_follow_the_phone_settings(pages):
    """10.4: text sizes are in rem or em, so text grows with the person's settings; no page
    stops the zoom."""
    for selector, body in css_rules():
        size = declarations(body).get("font-size")
        if size and size != "inherit":
            assert re.fullmatch(r"[\d.]+(rem|em|%)", size), f"{selector} font-size {size}"
    viewports = {n.get("content") for d in pages for n in d.all("meta") if n.get("name") == "viewport"}
    assert viewports == {"width=device-width, initial-scale=1"}, viewports


def test_text_and_background_colours_go_together():
    """10.5: the text colour and the background colour are declared together on body (every
    element inherits both), and no background picture sits behind text."""
    body = {}
    for selector, decls in css_rules():
        if selector == "body":
            body.update(declarations(decls))
    assert "color" in body and ("background" in body or "background-color" in body), body
    for selector, decls in css_rules():
        props = declarations(decls)
        assert "background-image" not in props, selector
        if "background" in props:
            assert "url(" not in props["background"], selector


def test_links_stay_underlined():
    """10.6: links keep their underline; only the site name and the buttons drop it, and they
    never sit inside a sentence."""
    for selector, body in css_rules():
        decoration = declarations(body).get("text-decoration", "")
        if "none" in decoration:
            assert selector in (".brand", ".button"), f"{selector} removes the underline"


def test_the_focus_style_is_never_removed():
    """10.7: one focus style for everything (outline and ring); no rule removes it, except on
    <main>, which only receives focus as the target of the skip link."""
    rules = dict(css_rules())
    focus = declarations(rules[":focus-visible"])
    assert focus.get("outline", "").startswith("3px solid") and "box-shadow" in focus, focus
    for selector, body in css_rules():
        outline = declarations(body).get("outline", "")
        if re.fullmatch(r"none|0|0px", outline):
            assert selector == "main:focus", f"{selector} removes the focus outline"


def _fields(doc: Doc):
    """The form controls a person fills in (not hidden fields, not buttons)."""
    for n in doc.all("input", "select", "textarea"):
        if n.tag == "input" and n.get("type") in ("hidden", "submit", "button", "reset", "image"):
            continue
        yield n


def _labels(doc: Doc) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for label in doc.all("label"):
        found.setdefault(label.get("for") or "", []).append(label)
    return found


def test_the_same_field_has_the_same_label_everywhere(pages):
    """11.3: a field met on several pages has the same label on each; the code field only says
    where the code was sent («par mail», «par SMS»)."""
    seen: dict[str, dict[str, str]] = {}
    for doc in pages:
        labels = _labels(doc)
        for n in _fields(doc):
            key = n.get("name") + (f"={n.get('value')}" if n.get("type") in ("radio", "checkbox") else "")
            words = " ".join(label.text() for label in labels.get(n.get("id") or "", []))
            words = re.sub(r" par (mail|SMS)$", "", words)
            seen.setdefault(key, {}).setdefault(words, doc.name)
    differ = {key: found for key, found in seen.items() if len(found) > 1}
    assert not differ, differ
    for name in ("nir", "password", "new_password", "email", "mobile", "code"):
        assert name in seen, f"no field {name!r} drawn"


def test_each_label_sits_with_its_field(pages):
    """11.1 and 11.4: each field has one visible label, and the label sits right with it: in the
    same small box (div.field, div.checkbox or div.radio), with only its hints in between."""
    boxes = {"field", "checkbox", "radio"}

    def box_of(n: Node) -> Node | None:
        return next((a for a in n.ancestors() if a.tag == "div" and a.classes & boxes), None)

    def check(d):
        labels = _labels(d)
        for n in _fields(d):
            mine = labels.get(n.get("id") or "", [])
            if len(mine) != 1 or not mine[0].text():
                yield f"field {n.get('name')!r} has {len(mine)} label(s)"
                continue
            box = box_of(n)
            if box is None or box_of(mine[0]) is not box:
                yield f"the label of {n.get('name')!r} is not in the field's box"
                continue
            others = [c for c in box.walk() if c in set(_fields(d)) and c is not n]
            if others:
                yield f"the box of {n.get('name')!r} holds other fields"
            for between in (c for c in box.walk() if c.tag == "p"):
                if not between.classes & {"hint", "error-message"} and between.get("id") not in (
                        (n.get("aria-describedby") or "").split()):
                    if not any(a.get("aria-live") for a in between.ancestors()):
                        yield f"{between.text()!r} stands between {n.get('name')!r} and its label"
    assert not problems_in(pages, check)


def test_every_group_of_fields_has_a_legend(pages):
    """11.6 (and the radio buttons of 11.5): radio buttons of one question sit in one fieldset,
    and each fieldset starts with its legend."""
    fieldsets = 0

    def check(d):
        nonlocal fieldsets
        for fs in d.all("fieldset"):
            fieldsets += 1
            first = next((c for c in fs.children if isinstance(c, Node)), None)
            if first is None or first.tag != "legend" or not first.text():
                yield "a fieldset without its legend first"
        groups: dict[str, set] = {}
        for n in _fields(d):
            if n.get("type") == "radio":
                fs = next((a for a in n.ancestors() if a.tag == "fieldset"), None)
                if fs is None:
                    yield f"radio button {n.get('name')!r} outside a fieldset"
                groups.setdefault(n.get("name"), set()).add(id(fs))
        yield from (f"radio buttons {name!r} split over fieldsets" for name, fss in groups.items() if len(fss) > 1)
        for n in d.all():
            if n.get("role") in ("group", "radiogroup") and not (n.get("aria-label") or n.get("aria-labelledby")):
                yield f"<{n.tag} role={n.get('role')}> without a name"
    assert not problems_in(pages, check)
    assert fieldsets >= 2, "no fieldset drawn: the contact pages have one"


def test_forms_say_which_fields_are_required(pages):
    """11.10: a form with fields to type in says before them that all are required unless
    marked; each format hint is tied to its field (aria-describedby)."""
    sentence = "Tous les champs sont obligatoires, sauf mention contraire."

    def check(d):
        for form in d.all("form"):
            typed = [n for n in form.walk() if n in set(_fields(d)) and n.tag == "input"
                     and n.get("type") in TEXT_INPUT_TYPES]
            if len(typed) >= 2 and sentence not in d.body.text():
                yield f"a form of {len(typed)} fields does not say which are required"
            for n in typed:
                described = (n.get("aria-describedby") or "").split()
                hints = [h.get("id") for h in form.walk() if h.tag == "p" and "hint" in h.classes
                         and h.get("id", "").startswith((n.get("id") or "") + "-")]
                missing = [h for h in hints if h not in described]
                if missing:
                    yield f"field {n.get('name')!r} is not described by its hints {missing}"
    assert not problems_in(pages, check)


# Every field about the person, and the autocomplete value that says what it is.
PURPOSE = {"nir": "username", "provisional_id": "username", "password": "current-password",
           "new_password": "new-password", "confirm_password": "new-password", "mobile": "tel",
           "other_phone": "tel", "email": "email", "code": "one-time-code"}
NOT_ABOUT_THE_PERSON = {"reference", "du", "au", "remember", "accept", "channel"}


def test_personal_fields_say_their_purpose(pages):
    """11.13: each field about the person says what it is (autocomplete), so the phone can fill it."""
    def check(d):
        for n in _fields(d):
            name = n.get("name")
            if name in PURPOSE:
                if n.get("autocomplete") != PURPOSE[name]:
                    yield f"{name!r} has autocomplete={n.get('autocomplete')!r}, not {PURPOSE[name]!r}"
            elif name not in NOT_ABOUT_THE_PERSON:
                yield f"field {name!r} is unknown here: is it about the person?"
    assert not problems_in(pages, check)


def _region(doc: Doc, tag: str) -> str:
    nodes = [n for n in doc.body.children if isinstance(n, Node) and n.tag == tag]
    return re.sub(r"\s+", " ", "".join(_html_of(n) for n in nodes))


def _html_of(n: Node) -> str:
    attrs = "".join(f" {k}={v!r}" for k, v in sorted(n.attrs.items()))
    return f"<{n.tag}{attrs}>" + "".join(c if isinstance(c, str) else _html_of(c) for c in n.children)


def test_header_and_footer_are_the_same_on_every_page(pages):
    """12.2: the header (home, «Accessibilité») and the footer links are the same, in the same
    place, on every page."""
    headers = {_region(d, "header") for d in pages}
    footers = {_region(d, "footer") for d in pages}
    assert len(headers) == 1 and len(footers) == 1, (len(headers), len(footers))
    assert "Accessibilité" in headers.pop()


def test_every_page_has_its_regions_and_a_skip_link(pages):
    """12.6 and 12.7: header, one main and footer at the top level of every page, and the first
    link of the page goes straight to the main content."""
    def check(d):
        top = [n.tag for n in d.body.children if isinstance(n, Node)]
        for tag in ("header", "main", "footer"):
            if top.count(tag) != 1:
                yield f"{top.count(tag)} <{tag}> at the top of the page"
        if len(d.all("main")) != 1:
            yield "more than one <main>"
        main = d.all("main")[0] if d.all("main") else None
        first = next((a for a in d.all("a") if "href" in a.attrs), None)
        if first is None or main is None or first.get("href") != f"#{main.get('id')}" or not first.text():
            yield "the first link does not go to <main>"
    assert not problems_in(pages, check)


def test_no_positive_tabindex(pages):
    """12.8: Tab follows the order of the code: no tabindex above 0."""
    assert not [v for v in attribute_values(pages, "tabindex") if int(v) > 0]


def test_no_window_opens_by_itself(pages):
    """13.2: no new window without the person: no script opens one, no page reloads itself,
    and a link that opens a new window says so («nouvelle fenêtre»)."""
    for name, js in ALL_JS.items():
        assert "window.open" not in js, name

    new_windows = [a for d in pages for a in d.all("a") if a.get("target")]
    assert new_windows, "no link to a new window drawn (the FranceConnect help link has one)"

    def check(d):
        for n in d.all("meta"):
            if (n.get("http-equiv") or "").lower() == "refresh":
                yield "a page that reloads or leaves by itself"
        for n in d.all("form", "base"):
            if n.get("target"):
                yield f"<{n.tag} target>"
        for a in d.all("a"):
            if a.get("target") and a.get("target") != "_self":
                if "nouvelle fenêtre" not in a.text() or "noopener" not in (a.get("rel") or ""):
                    yield f"{a.text()!r} opens a new window without saying so"
    assert not problems_in(pages, check)


def test_actions_start_when_the_finger_is_lifted(pages):
    """13.11: every action is a native link or button (it acts when the finger is lifted); no
    script acts on a press (mousedown, pointerdown, touchstart…), no inline handler."""
    allowed = {"click", "submit", "DOMContentLoaded", "pageshow", "htmx:beforeRequest",
               "install", "activate", "fetch"}
    for name, js in OUR_JS.items():
        events = set(re.findall(r"""addEventListener\(\s*["']([\w:]+)["']""", js))
        assert events <= allowed, f"{name} listens to {sorted(events - allowed)}"
    assert not problems_in(pages, lambda d: [f"<{n.tag} {a}>" for n in d.all() for a in n.attrs
                                             if a.startswith("on")])
    triggers = attribute_values(pages, "data-hx-trigger") + attribute_values(pages, "hx-trigger")
    events = {word for t in triggers for word in re.findall(r"[a-z]+", re.sub(r"(delay|throttle):\S+", "", t))}
    assert triggers and events <= {"input", "changed", "change"}, triggers


def test_headings_start_at_h1_and_skip_no_level(pages):
    """Part of 9.1: one h1 per page; after it, no heading level is skipped. Only the error
    summary's «Il y a un problème» (h2) may come before the h1, as it comes first."""
    def check(d):
        heads = [n for n in d.all() if re.fullmatch(r"h[1-6]", n.tag)]
        if [h.tag for h in heads].count("h1") != 1:
            yield f"{[h.tag for h in heads].count('h1')} h1"
            return
        start = [h.tag for h in heads].index("h1")
        for h in heads[:start]:
            if h.get("id") != "error-summary-title":
                yield f"{h.tag} {h.text()!r} before the h1"
        level = 1
        for h in heads[start + 1:]:
            if int(h.tag[1]) > level + 1:
                yield f"{h.tag} {h.text()!r} after an h{level}"
            level = int(h.tag[1])
    assert not problems_in(pages, check)


def test_pdf_links_say_pdf(pages):
    """Part of 13.3: each link to a PDF says it is a PDF."""
    links = [(d, a) for d in pages for a in d.all("a") if re.search(r"\.pdf(\?|$)", a.get("href") or "")]
    assert len(links) >= 2, "no link to a PDF drawn"
    assert not [f"{d.name}: {a.text()!r}" for d, a in links if "PDF" not in a.text()]


# === 4. Once found «non respecté», fixed: kept as the proofs of 9.2 and 13.9 ==================


def test_nav_is_only_used_for_links(pages):
    assert not problems_in(pages, lambda d: [f"<nav aria-label={n.get('aria-label')!r}> without a link"
                                             for n in d.all("nav") if not [a for a in n.walk() if a.tag == "a"]])


def test_the_installed_app_turns_with_the_phone(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest.get("orientation", "any") in ("any", "natural")
    assert not re.search(r"orientation\s*:", CSS)
