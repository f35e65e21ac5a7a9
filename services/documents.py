"""PDF documents built on request with fpdf2: the relevé de compte and the attestation.

Each declares its title (shown by the viewer) and its language, and uses a readable
Unicode font (Source Sans Pro, from the font-source-sans-pro package) at 12 pt or more.
"""
from __future__ import annotations

from datetime import date
from importlib.resources import files

from fpdf import FPDF, ViewerPreferences
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

from domain.formatting import euros, long_date, short_date
from domain.statements import Period, by_benefit
from domain.words import say

_FONT_DIR = files("font_source_sans_pro") / "files"
_HEAD = FontFace(emphasis="BOLD", fill_color=(230, 238, 244))


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_lang("fr-FR")
    pdf.set_author(say("app.caf"))
    pdf.set_creator(say("app.name"))
    pdf.set_display_mode(zoom="fullwidth")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_font("Source", "", str(_FONT_DIR / "SourceSansPro-Regular.ttf"))
    pdf.add_font("Source", "B", str(_FONT_DIR / "SourceSansPro-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font("Source", "B", 20)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Source", "", 13)
    return pdf


def _line(pdf: FPDF, text: str, bold: bool = False) -> None:
    pdf.set_font("Source", "B" if bold else "", 13)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _payments_table(pdf: FPDF, payments: list) -> None:
    for group in by_benefit(payments):
        pdf.ln(3)
        _line(pdf, say("document.benefit_total", benefit=group.benefit,
                       amount=euros(group.total_cents)), bold=True)
        pdf.set_font("Source", "", 12)
        with pdf.table(col_widths=(30, 30, 50), headings_style=_HEAD, line_height=7,
                       cell_fill_mode=TableCellFillMode.NONE, text_align="LEFT") as table:
            table.row([say("document.column.date"), say("document.column.amount"),
                       say("document.column.paid_to")])
            for p in group.payments:
                paid_to = p.third_party if p.paid_to_third_party else say("document.paid_to_you")
                table.row([short_date(p.paid_on), euros(p.amount_cents), paid_to])


def _who(account) -> str:
    number = account.numero_allocataire or account.provisional_id or ""
    return say("document.who.allocataire" if account.numero_allocataire
               else "document.who.provisional", name=account.display_name, number=number)


def _total(payments: list) -> str:
    return say("document.total", amount=euros(sum(p.amount_cents for p in payments)))


def statement_pdf(account, payments: list, period: Period, today: date) -> bytes:
    pdf = _document(say("statement.title"))
    _line(pdf, _who(account))
    _line(pdf, say("statement.period", start=long_date(period.start), end=long_date(period.end)))
    if payments:
        _line(pdf, _total(payments), bold=True)
        _payments_table(pdf, payments)
    else:
        _line(pdf, say("statement.no_payment"))
    pdf.ln(4)
    _line(pdf, say("statement.made_on", day=long_date(today)))
    return bytes(pdf.output())


def attestation_pdf(account, payments: list, period: Period, reference: str,
                    issued: date, check_url: str) -> bytes:
    pdf = _document(say("attestation.title"))
    _line(pdf, say("attestation.intro"))
    _line(pdf, _who(account), bold=True)
    _line(pdf, say("attestation.period", start=long_date(period.start), end=long_date(period.end)))
    _line(pdf, _total(payments), bold=True)
    _payments_table(pdf, payments)
    pdf.ln(4)
    _line(pdf, say("attestation.issued_on", day=long_date(issued)))
    _line(pdf, say("attestation.reference", reference=reference), bold=True)
    _line(pdf, say("attestation.how_to_check", url=check_url))
    return bytes(pdf.output())
