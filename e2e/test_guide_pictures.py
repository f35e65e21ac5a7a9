"""Issue 7: the guide inside the app, its pictures, the step markers, the page for helpers.

The pictures of «Comment je fais pour me connecter ?» are screenshots of the real
screens, taken here, in a 320 px phone viewport, while Véronique goes through her first
sign-in. Two modes:

- `make guide-pictures` (GUIDE_PICTURES=update) writes them to static/guide/ with their
  sizes in static/guide/pictures.json; they are checked in.
- `make test` takes the same screenshots again and fails when a checked-in picture no
  longer matches the screen (more than PICTURE_TOLERANCE of its pixels changed), so the
  guide never drifts from the app.
"""
from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser, Page, expect

from domain.guide import PAGE_STEPS, STEPS, marker
from e2e.helpers import (
    NIR_LABEL,
    PASSWORD_LABEL,
    VERONIQUE_NIR,
    VERONIQUE_OLD_PASSWORD,
    VIEWPORTS,
    audit,
    first_visit_weight,
)

ROOT = Path(__file__).resolve().parent.parent
PICTURES = ROOT / "static" / "guide"
MANIFEST = PICTURES / "pictures.json"
UPDATE = os.environ.get("GUIDE_PICTURES") == "update"
PHONE = {"width": 320, "height": 568}
PALETTE_COLOURS = 32  # small PNGs: the screens use few colours
PICTURE_TOLERANCE = 0.01  # share of pixels that may differ (anti-aliasing)

NEW_PASSWORD = "Soleil2Mars"
MOBILE = "06 12 34 56 78"
MAIL = "veronique.f@example.org"


def _small_png(raw: bytes) -> Image.Image:
    """The screenshot reduced to a small palette, as stored."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    return image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _center(page: Page, selector: str) -> None:
    page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'center'})")


class Camera:
    """Takes the picture of each guide step; saves it (update) or compares it (test)."""

    def __init__(self) -> None:
        self.taken: dict[str, dict] = {}
        self.drifted: list[str] = []

    def shoot(self, page: Page, number: int, recenter: str | None = None) -> None:
        step = STEPS[number - 1]
        image = self._picture(page)
        path = PICTURES / step.picture
        if (not UPDATE and recenter and path.is_file()
                and self._changed(Image.open(path).convert("RGB"), image.convert("RGB")) > PICTURE_TOLERANCE):
            # A live fragment may still have been landing (a loaded CI machine): let the
            # page settle, put the element back in the middle, and look once more.
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)
            _center(page, recenter)
            image = self._picture(page)
        if UPDATE:
            PICTURES.mkdir(parents=True, exist_ok=True)
            image.save(path, optimize=True)
        else:
            assert path.is_file(), f"{path} is missing: run `make guide-pictures`"
            stored = Image.open(path).convert("RGB")
            now = image.convert("RGB")
            if stored.size != now.size:
                self.drifted.append(f"{step.picture}: size {stored.size} is now {now.size}")
            else:
                changed = self._changed(stored, now)
                if changed > PICTURE_TOLERANCE:
                    self.drifted.append(f"{step.picture}: {changed:.1%} of its pixels changed")
        self.taken[step.picture] = {"width": image.size[0], "height": image.size[1],
                                    "step": number, "page": page.url.split("?")[0].split("/", 3)[-1]}

    @staticmethod
    def _picture(page: Page):
        return _small_png(page.screenshot(animations="disabled", caret="hide",
                                          mask=[page.locator(".today")], mask_color="#ffffff"))

    @staticmethod
    def _changed(stored, now) -> float:
        if stored.size != now.size:
            return 1.0
        diff = ImageChops.difference(stored, now).convert("L").point(lambda v: 255 if v else 0)
        return sum(diff.histogram()[255:]) / (now.size[0] * now.size[1])


def _marker_says(page: Page, endpoint: str) -> None:
    """The journey page says which step of the guide it is, linked to that step."""
    text, number = marker(endpoint)
    link = page.get_by_role("link", name=text, exact=True)
    expect(link).to_be_visible()
    assert link.get_attribute("href").endswith(f"/guide#etape-{number}")


def test_guide_pictures_match_the_screens(browser: Browser, base_url: str, fresh_demo: Callable[[], None]) -> None:
    """Véronique's first sign-in at 320 px, JavaScript on: one picture per guide step,
    and on each page the marker «Étape N du guide»."""
    context = browser.new_context(viewport=PHONE, has_touch=True, base_url=base_url,
                                  locale="fr-FR", timezone_id="Europe/Paris", device_scale_factor=1)
    page = context.new_page()
    camera = Camera()
    try:
        page.goto("/connexion")
        _marker_says(page, "auth.sign_in")
        page.get_by_label(NIR_LABEL).fill(VERONIQUE_NIR)
        _center(page, "#nir")
        expect(page.locator("#nir-live")).not_to_be_empty()
        page.get_by_label(NIR_LABEL).blur()
        camera.shoot(page, 1)
        page.get_by_label(PASSWORD_LABEL).fill(VERONIQUE_OLD_PASSWORD)
        page.get_by_label(PASSWORD_LABEL).blur()
        _center(page, "#password")
        camera.shoot(page, 2)
        _center(page, "form.form button[type=submit]")
        camera.shoot(page, 3)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter", exact=True).click()

        expect(page).to_have_url(re.compile(r"/premiere-connexion/conditions$"))
        _marker_says(page, "first_login.cgu")
        box = page.get_by_role("checkbox")
        box.check()
        box.blur()
        _center(page, "input[type=checkbox]")
        camera.shoot(page, 4)
        _center(page, ".actions")
        camera.shoot(page, 5)
        with page.expect_navigation():
            page.get_by_role("button", name="Continuer", exact=True).click()

        expect(page).to_have_url(re.compile(r"/premiere-connexion/mot-de-passe$"))
        _marker_says(page, "first_login.password")
        page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Confirmation du nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Confirmation du nouveau mot de passe", exact=True).blur()
        expect(page.locator("[data-rule][data-valid=false]")).to_have_count(0)
        expect(page.locator("#password-match")).to_contain_text("identiques")
        page.wait_for_load_state("networkidle")
        _center(page, "[data-rule]")
        camera.shoot(page, 6, recenter="[data-rule]")
        with page.expect_navigation():
            page.get_by_role("button", name="Continuer", exact=True).click()

        expect(page).to_have_url(re.compile(r"/premiere-connexion/coordonnees$"))
        _marker_says(page, "first_login.contact")
        page.get_by_label("Téléphone portable").fill(MOBILE)
        page.get_by_label("Adresse mail").fill(MAIL)
        page.get_by_label("Adresse mail").blur()
        _center(page, "input[type=tel]")
        camera.shoot(page, 7)
        _center(page, ".actions")
        camera.shoot(page, 8)
        with page.expect_navigation():
            page.get_by_role("button", name="Continuer", exact=True).click()

        expect(page).to_have_url(re.compile(r"/premiere-connexion/code$"))
        _marker_says(page, "first_login.code")
        camera.shoot(page, 9)
        message = page.request.get("/dev/messages.json").json()[0]
        code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
        page.get_by_label(re.compile(r"^Code de vérification reçu par")).fill(code)
        with page.expect_navigation():
            page.get_by_role("button", name="Valider le code", exact=True).click()

        expect(page).to_have_url(re.compile(r"/mon-compte$"))
        _marker_says(page, "account.home")
        camera.shoot(page, 10)
        with page.expect_navigation():
            page.get_by_role("button", name="Se déconnecter").click()

        page.goto("/connexion")
        page.get_by_label(NIR_LABEL).fill(VERONIQUE_NIR)
        page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
        page.get_by_label(PASSWORD_LABEL).blur()
        expect(page.locator("#nir-live")).not_to_be_empty()
        _center(page, "#password")
        camera.shoot(page, 11)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter", exact=True).click()
        expect(page).to_have_url(re.compile(r"/mon-compte$"))
    finally:
        context.close()

    assert sorted(camera.taken) == sorted(step.picture for step in STEPS)
    if UPDATE:
        MANIFEST.write_text(json.dumps({"viewport": PHONE, "palette": PALETTE_COLOURS,
                                        "pictures": camera.taken}, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    else:
        assert not camera.drifted, ("the guide's pictures no longer match the screens; run "
                                    "`make guide-pictures` and check them in:\n" + "\n".join(camera.drifted))
        stored = json.loads(MANIFEST.read_text(encoding="utf-8"))["pictures"]
        assert {k: (v["width"], v["height"]) for k, v in stored.items()} == {
            k: (v["width"], v["height"]) for k, v in camera.taken.items()}


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_guide_page_shows_every_step_with_its_picture(new_page: Callable[..., Page], browser: Browser,
                                                       width: str) -> None:
    page = new_page(VIEWPORTS[width])
    page.goto("/guide")
    expect(page).to_have_title("Comment je fais pour me connecter ? – Mon Compte Caf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment je fais pour me connecter ?")
    steps = page.locator("ol.guide-steps > li")
    expect(steps).to_have_count(11)
    for step in STEPS:
        item = page.locator(f"#etape-{step.number}")
        expect(item.get_by_role("heading", level=2)).to_have_text(f"Étape {step.number} {step.title}")
        for sentence in step.sentences:
            expect(item).to_contain_text(sentence)
        picture = item.get_by_role("img", name=step.picture_alt, exact=True)
        picture.scroll_into_view_if_needed()
        expect(picture).to_be_visible()
        # Lazy pictures load once scrolled into view: decode() waits for that, then says.
        loaded = picture.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
        assert loaded == 320, f"{step.picture} did not load ({loaded})"
        box = picture.bounding_box()
        assert box["width"] <= VIEWPORTS[width]["width"], f"{step.picture} is wider than the screen"
    page.evaluate("window.scrollTo(0, 0)")
    audit(browser, page)


def test_guide_pictures_are_small_and_lazy(browser: Browser, base_url: str) -> None:
    """Small PNGs; the page itself stays light because pictures load as they come into view."""
    sizes = {p.name: p.stat().st_size for p in PICTURES.glob("etape-*.png")}
    assert len(sizes) == 11
    too_big = {name: size for name, size in sizes.items() if size > 30 * 1024}
    assert not too_big, f"guide pictures over 30 KB: {too_big}"
    weight = first_visit_weight(browser, f"{base_url}/guide", PHONE, label="/guide")
    assert weight <= 60 * 1024, f"/guide weighs {weight} bytes on first visit"
    print(f"guide pictures: {sum(sizes.values())} bytes for 11 ({max(sizes.values())} max)")


@pytest.mark.parametrize("endpoint", sorted(PAGE_STEPS))
def test_each_marker_goes_to_its_step(new_page: Callable[..., Page], endpoint: str) -> None:
    """Following a marker lands on the step it names, with JavaScript off."""
    text, number = marker(endpoint)
    page = new_page(PHONE, js=False)
    page.goto(f"/guide#etape-{number}")
    target = page.locator(f"#etape-{number}")
    expect(target.get_by_role("heading", level=2)).to_contain_text(f"Étape {number} ")
    assert text.startswith("Étape")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_helpers_page(new_page: Callable[..., Page], browser: Browser, width: str, js: bool) -> None:
    page = new_page(VIEWPORTS[width], js)
    page.goto("/")
    page.get_by_role("link", name="J'aide une personne à se connecter").click()
    expect(page).to_have_url(re.compile(r"/aider-une-personne$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("J'aide une personne à se connecter")
    for words in ("carte Vitale", "papier de la Caf", "téléphone portable",
                  "numéro allocataire", "NIA", "pas de téléphone portable", "Le code n'arrive pas",
                  "Après 5 mots de passe faux, il faut attendre 15 minutes.",
                  "Ne cochez pas « Se souvenir de moi ».", "À la fin, cliquez sur « Se déconnecter »."):
        expect(page.locator("main")).to_contain_text(words)
    audit(browser, page)


def test_helpers_page_prints_on_one_a4_sheet(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        page.goto("/aider-une-personne")
        page.emulate_media(media="print")
        expect(page.locator(".guide-marker, .footer-links").first).to_be_hidden()
        pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the page for helpers prints on {pages} A4 sheets"
    finally:
        context.close()
