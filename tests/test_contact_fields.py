"""The contact details are drawn by one macro for both forms, and the `radios` macro draws its
error and `aria-describedby` like the other fields (issue 16, item 5)."""
from __future__ import annotations

from flask import render_template_string

from flask_helpers import Page, normalize_text, page
from test_first_login import CONTACT_URL, give_contact, sign_in_at


def page_of(html: str) -> Page:
    return Page(f"<body>{html}</body>")


def test_the_radios_error_is_drawn_and_described_like_a_field(app):
    from blueprints.contact_form import ContactForm
    with app.test_request_context("/premiere-connexion/coordonnees", method="POST", data={
            "mobile": "06 12 34 56 78", "email": "v@example.org", "channel": "pigeon"}):
        form = ContactForm(meta={"csrf": False})
        form.validate()
        form.channel.errors = ["Choisissez SMS ou mail."]
        html = render_template_string(
            '{% from "macros/forms.html" import contact_fields, error_summary %}'
            '{{ error_summary(errors) }}{{ contact_fields(form) }}',
            form=form, errors=form.summary())
    p = page_of(html)
    fieldset = p.one("fieldset")
    assert fieldset.get("aria-describedby") == "channel-hint-1 channel-error"
    error = p.by_id("channel-error")
    assert error.get("class") == "error-message"
    assert error.text == "Erreur : Choisissez SMS ou mail."
    assert p.one("span", class_="visually-hidden").text == "Erreur :"
    assert p.all("div", class_="field field--error")  # the group shows its error state
    # the summary's link goes to the first radio button, which its label names
    link = p.one("a", href="#channel")
    assert link.text == "Choisissez SMS ou mail."
    first = p.by_id("channel")
    assert (first.tag, first.get("type"), first.get("value")) == ("input", "radio", "sms")
    assert p.one("label", for_="channel").text == "Par SMS"
    assert p.by_id("channel-1").get("value") == "mail"
    assert p.one("label", for_="channel-1").text == "Par mail"


def test_radios_without_an_error_are_described_by_their_hint_only(app, client):
    sign_in_at(app, client, "contact")
    p = page(give_contact(client, mobile="06 12", email=""))  # the mobile is wrong, not the channel
    assert p.one("fieldset").get("aria-describedby") == "channel-hint-1"
    assert "channel-error" not in p.ids()
    assert p.by_id("mobile").get("aria-describedby") == "mobile-hint-1 mobile-error"
    assert p.one("a", href="#mobile")
    for target in [a.get("href")[1:] for a in p.all("a") if (a.get("href") or "").startswith("#")]:
        assert target in p.ids(), f"the link #{target} goes nowhere"


def test_both_contact_forms_draw_the_same_fields(app, client):
    sign_in_at(app, client, "contact")
    first = page(client.get(CONTACT_URL))
    other = app.test_client()
    sign_in_at(app, other, "done")
    account = page(other.get("/mon-compte/coordonnees"))

    def fields(p):
        return [(e.tag, e.get("id"), e.get("aria-describedby"), normalize_text(e.text))
                for e in p.all() if e.get("id", "").startswith(("mobile", "other_phone", "email",
                                                                 "channel"))]
    assert fields(first) == fields(account) and len(fields(first)) >= 9
