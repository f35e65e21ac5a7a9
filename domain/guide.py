"""The printed easy-to-read guide, step by step, as the app shows it.

Source: ../shared/seed/000_2ebc4cfdaec1ec4d.txt («Comment je fais pour me connecter sur
l'application Caf-Mon Compte sur mon mobile ?»). It numbers 11 steps; a social worker
helps a person with that sheet in hand. The app uses these numbers twice:

- the page «Comment je fais pour me connecter ?» (/guide) shows each step with a
  picture of the real screen, taken by the e2e suite (`make guide-pictures`);
- each journey page says discreetly which step of the guide it is («Étape 6 du
  guide»), linked to that step, so the helper and the person talk about the same thing.

The texts say «je», like the printed guide (falc.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from domain import journey
from domain.journey import Journey, Step


@dataclass(frozen=True)
class GuideStep:
    number: int
    title: str
    sentences: tuple[str, ...]
    picture: str  # file name under static/guide/
    picture_alt: str  # what the picture shows; the sentences carry the instructions
    tips: tuple[str, ...] = ()


STEPS: tuple[GuideStep, ...] = (
    GuideStep(
        1, "J'écris mon numéro de sécurité sociale",
        ("J'écris les 13 premiers chiffres de mon numéro de sécurité sociale.",
         "C'est mon identifiant.",
         "Il est écrit en bas de ma carte Vitale.",
         "Je n'écris plus mon numéro allocataire."),
        "etape-01.png", "L'écran Connexion. Le numéro de sécurité sociale est écrit."),
    GuideStep(
        2, "J'écris mon mot de passe",
        ("J'écris mon mot de passe Caf à 8 chiffres.",
         "Si je clique sur le petit œil, je peux voir ce que j'écris."),
        "etape-02.png", "L'écran Connexion. Le mot de passe est écrit.",
        tips=("Si j'ai oublié mon mot de passe, je clique sur « Mot de passe oublié ? ».",
              "Je vais recevoir un code.",
              "Avec ce code, je pourrai faire un nouveau mot de passe.")),
    GuideStep(
        3, "Je clique sur « Se connecter »",
        ("Je clique sur le bouton « Se connecter ».",),
        "etape-03.png", "L'écran Connexion avec le bouton Se connecter."),
    GuideStep(
        4, "J'accepte les conditions générales d'utilisation",
        ("Je lis les conditions générales d'utilisation. C'est les CGU.",
         "Ça veut dire que j'accepte d'être connecté avec la Caf.",
         "Je descends jusqu'en bas de la page.",
         "Je coche la case « J'ai pris connaissance des conditions générales "
         "d'utilisation et je les accepte »."),
        "etape-04.png", "L'écran Conditions générales d'utilisation. La case est cochée."),
    GuideStep(
        5, "Je clique sur « Continuer »",
        ("Ensuite je clique sur « Continuer ».",),
        "etape-05.png", "Le bas de l'écran des CGU avec le bouton Continuer."),
    GuideStep(
        6, "Je crée mon nouveau mot de passe",
        ("Je crée mon nouveau mot de passe.",
         "Il doit avoir 8 à 24 caractères.",
         "Un caractère peut être une lettre ou un chiffre.",
         "Il doit avoir 1 lettre minuscule. Par exemple : m.",
         "Il doit avoir 1 lettre majuscule. Par exemple : M.",
         "Il doit avoir 1 chiffre.",
         "Je mets seulement des chiffres et des lettres, sans accent.",
         "Je l'écris 2 fois.",
         "Sous le mot de passe, les règles respectées sont cochées."),
        "etape-06.png", "L'écran Mon mot de passe. Les règles respectées sont cochées.",
        tips=("Je clique sur « Continuer ».",
              "Mon mot de passe est secret, je ne le donne à personne.",
              "Je le garde pour la prochaine fois.")),
    GuideStep(
        7, "J'écris mes coordonnées",
        ("J'écris mon numéro de téléphone portable.",
         "Je peux écrire un autre numéro de téléphone.",
         "J'écris mon adresse mail.",
         "Je choisis de recevoir le code par SMS ou par mail."),
        "etape-07.png", "L'écran Coordonnées de contact. Le téléphone portable est écrit."),
    GuideStep(
        8, "Je clique sur « Continuer »",
        ("Je clique sur « Continuer ».",
         "Pour confirmer mes informations, je reçois un code par SMS ou par mail."),
        "etape-08.png", "Le bas de l'écran Coordonnées de contact avec le bouton Continuer."),
    GuideStep(
        9, "J'écris le code reçu",
        ("J'écris le code de vérification que j'ai reçu.",
         "J'ai 10 minutes pour écrire le code.",
         "Je clique sur « Valider le code »."),
        "etape-09.png", "L'écran Vérification de vos coordonnées de contact.",
        tips=("Je n'ai rien reçu ? J'attends quelques secondes.",
              "Je regarde dans mes messages indésirables.",
              "Je peux demander un nouveau code.")),
    GuideStep(
        10, "Je suis sur mon compte Caf",
        ("Je suis sur mon compte Caf.",
         "Je vois mon dernier paiement.",
         "Je peux voir mes allocations, mes attestations et mes courriers."),
        "etape-10.png", "L'écran Mon Compte avec le dernier paiement."),
    GuideStep(
        11, "Pour ma prochaine connexion",
        ("La prochaine fois, j'écris les 13 premiers chiffres de mon numéro de sécurité sociale.",
         "J'écris mon nouveau mot de passe.",
         "Je clique sur « Se connecter »."),
        "etape-11.png", "L'écran Connexion avec le numéro et le nouveau mot de passe écrits."),
)

# Which steps of the guide each step of the first login carries, and the sign-in page's.
JOURNEY_STEPS: dict[Step, tuple[int, ...]] = {
    Step.CGU: (4, 5),
    Step.PASSWORD: (6,),
    Step.CONTACT: (7, 8),
    Step.CODE: (9,),
    Step.DONE: (10,),
}
SIGN_IN_STEPS = (1, 2, 3)

# The same by page (Flask endpoint), for the marker of the page being shown.
PAGE_STEPS: dict[str, tuple[int, ...]] = {
    "auth.sign_in": SIGN_IN_STEPS,
    **{journey.page_for(step): numbers for step, numbers in JOURNEY_STEPS.items()},
}

# The words of each stage of the steppers (journey.STAGES, journey.RESET_STAGES). The first
# login's are the guide's screens' («1 Mon profil 2 Contact …», «… 2 Saisie 3 Fin»). The
# forgotten password's are its pages' headings in short: what the guide's tip at step 2
# says it takes (my number, a code, a new password).
STAGE_WORDS: dict[str, dict[str, str]] = {
    journey.FIRST_LOGIN.key: {"profile": "Mon profil", "contact": "Contact",
                              "entry": "Saisie", "end": "Fin"},
    journey.PASSWORD_RESET.key: {"number": "Mon numéro", "code": "Le code reçu",
                                 "password": "Mon nouveau mot de passe"},
}


@dataclass(frozen=True)
class NamedStage:
    """A stage of a stepper with its words: the journey steps it gathers and the guide's."""
    name: str
    steps: tuple[str, ...]  # the journey's steps, by value («cgu», «password»)
    guide_steps: tuple[int, ...]


@dataclass(frozen=True)
class Stepper:
    """What a journey page's stepper shows: its journey, its stages, the stage it is (from 1)."""
    journey: str
    stages: tuple[NamedStage, ...]
    current: int

    @property
    def total(self) -> int:
        return len(self.stages)

    @property
    def name(self) -> str:
        return self.stages[self.current - 1].name


def stages(of: Journey) -> tuple[NamedStage, ...]:
    words = STAGE_WORDS[of.key]
    return tuple(NamedStage(words[stage.key], tuple(step.value for step in stage.steps),
                            tuple(n for step in stage.steps for n in JOURNEY_STEPS.get(step, ())))
                 for stage in of.stages)


STAGES = {of.key: stages(of) for of in journey.JOURNEYS}
FIRST_LOGIN_STAGES = STAGES[journey.FIRST_LOGIN.key]  # for the home page's list


def stepper(endpoint: str | None) -> Stepper | None:
    """The stepper of a journey page (Flask endpoint); None for a page of no journey."""
    where = journey.position(endpoint)
    if where is None:
        return None
    return Stepper(where.journey.key, STAGES[where.journey.key], where.number)


def marker(endpoint: str | None) -> tuple[str, int] | None:
    """«Étape 6 du guide» and the step to link to, for a journey page; None elsewhere."""
    steps = PAGE_STEPS.get(journey.page_shown(endpoint) or "")
    if not steps:
        return None
    if len(steps) == 1:
        return f"Étape {steps[0]} du guide", steps[0]
    if len(steps) == 2:
        return f"Étapes {steps[0]} et {steps[1]} du guide", steps[0]
    return f"Étapes {steps[0]} à {steps[-1]} du guide", steps[0]


def step(number: int) -> GuideStep:
    return STEPS[number - 1]
