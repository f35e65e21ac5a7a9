"""What the «Déclaration d'accessibilité» says about how it was established.

The structure follows the RGAA 4.1 model statement (commitment, conformity status,
test results, non-accessible content, how the statement was established, sample of
pages, contact, remedies). The figures come from `domain.rgaa`, where each claim names
the test that proves it; tests/test_accessibility_statement.py checks that the tools
and versions named here are the ones the test suite really runs.
"""
from __future__ import annotations

# The day the self-assessment below was made and checked against the test suite.
ESTABLISHED_ON = "26/11/2026"

# Tools and versions that produce the results (checked by a test against the installed ones).
TOOLS: tuple[tuple[str, str], ...] = (
    ("axe-core", "4.12.1"),
    ("Nu Html Checker du W3C (vnu-jar)", "26.9.27"),
    ("Playwright", "1.65"),
)
BROWSERS: tuple[str, ...] = ("Chromium 156 (Debian), sur des écrans de 320 et 412 pixels de large",)
# No screen reader has been used yet: the statement says so rather than claim one.
SCREEN_READERS: tuple[str, ...] = ()

# The sample: the whole journey, then the pages around it (Flask endpoint, name on screen).
SAMPLE: tuple[tuple[str, str], ...] = (
    ("pages.home", "Accueil"),
    ("auth.sign_in", "Connexion"),
    ("first_login.cgu", "Conditions générales d'utilisation"),
    ("first_login.password", "Mon mot de passe"),
    ("first_login.contact", "Coordonnées de contact"),
    ("first_login.code", "Vérification de vos coordonnées de contact"),
    ("auth.new_device", "Confirmer cet appareil"),
    ("account.home", "Mon Compte"),
    ("account.payments", "Détail de mes allocations"),
    ("account.attestations", "Mes attestations"),
    ("account.letters", "Mes courriers, courriels"),
    ("account.contact", "Mes coordonnées"),
    ("password_reset.start", "Mot de passe oublié"),
    ("auth.provisional_sign_in", "Connexion avec un identifiant provisoire"),
    ("pages.other_ways", "Autre mode de connexion"),
    ("pages.guide_page", "Comment je fais pour me connecter ?"),
    ("pages.helpers", "J'aide une personne à se connecter"),
    ("pages.accessibility", "Accessibilité"),
)

# Where the e2e suite writes its axe report (README names it too).
AXE_REPORT = "reports/accessibility/axe-report.json"

STATUS_NAMES = {"C": "respecté", "NC": "non respecté", "NA": "ne concerne pas ce site",
                "NT": "pas encore vérifié"}


def status_words(summary: dict) -> str:
    """The RGAA conformity status. Every criterion must have been assessed to claim more
    than «non conforme»; then 100 % met is «totalement», 50 % or more «partiellement»."""
    if summary["NT"] or summary["rate"] is None:
        return "non conforme"
    if summary["rate"] == 100:
        return "totalement conforme"
    if summary["rate"] >= 50:
        return "partiellement conforme"
    return "non conforme"
