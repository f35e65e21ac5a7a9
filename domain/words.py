"""Every sentence a person reads that is not in a page template: errors, flashes, live
messages, field labels and hints, SMS and mail texts, the PDFs' words, the variable parts
of the error pages. An editor reviews and changes them here, in one place; a page's own
prose stays in its template.

One key per message, with its exact words. `{name}` is a value filled in by the code:
`say("nir.too_short", count=11)`. A word that changes with a number has two keys,
«….one» (0 or 1, as French says «0 chiffre») and «….many»: `say(plural("wait.minutes", n),
count=n)`. tests/test_words_catalogue.py checks that every key used exists, that every key
is used, that each call gives the values its words need, and that no Python file outside
this one holds a French sentence shown to people.
"""
from __future__ import annotations

WORDS: dict[str, str] = {
    # --- Product names, as documents and mails sign them ------------------------------
    "app.name": "Mon Compte Caf",
    "app.caf": "Caisse d'allocations familiales",

    # --- What every form shares (blueprints/forms.py) -----------------------------------
    "form.csrf": ("Pour votre sécurité, la page a expiré. "
                  "Vérifiez ce que vous avez écrit, puis envoyez à nouveau."),
    "form.password_missing": "Écrivez votre mot de passe.",

    # --- Field labels (blueprints/*/forms.py) -------------------------------------------
    "field.nir": "Numéro de sécurité sociale",
    "field.password": "Mot de passe",
    "field.remember_me": "Se souvenir de moi",
    "field.provisional_id": "Identifiant provisoire",
    "field.new_password": "Nouveau mot de passe",
    "field.confirm_password": "Confirmation du nouveau mot de passe",
    "field.mobile": "Téléphone portable",
    "field.other_phone": "Autre téléphone",
    "field.email": "Adresse mail",
    "field.channel": "Où voulez-vous recevoir le code ?",
    "field.channel.sms": "Par SMS",
    "field.channel.mail": "Par mail",
    "field.month_from": "Du mois de",
    "field.month_to": "Au mois de",
    "field.code": "Code de vérification",

    # --- The numéro de sécurité sociale (domain/nir.py) ---------------------------------
    "nir.where": "Regardez en bas de votre carte Vitale.",
    "nir.empty": ("Écrivez votre numéro de sécurité sociale. Il a 13 caractères. "
                  "Il est écrit en bas de votre carte Vitale."),
    "nir.input_too_long": ("Ce que vous avez écrit est trop long. "
                           "Le numéro de sécurité sociale a 13 caractères. {where}"),
    "nir.too_short": "Le numéro a {count} caractères. Il en faut 13. {where}",
    "nir.fourteen": ("Le numéro a 14 caractères. Il en faut 13, ou 15 avec la clé. "
                     "La clé, ce sont les 2 derniers chiffres. {where}"),
    "nir.too_long": "Le numéro a {count} caractères. Il en faut 13. {where}",
    "nir.allocataire": ("Ce numéro ressemble à un numéro allocataire. "
                        "Le numéro allocataire ne sert plus pour se connecter. "
                        "Écrivez votre numéro de sécurité sociale. "
                        "Il est écrit en bas de votre carte Vitale."),
    "nir.nia": ("Ce numéro commence par {first}. "
                "C'est un numéro provisoire : un NIA. "
                "NIA veut dire numéro d'identification d'attente. "
                "Avec ce numéro, vous ne pouvez pas vous connecter ici. "
                "La Caf vous a donné un identifiant provisoire ? "
                "Choisissez « J'ai un identifiant provisoire ». "
                "Sinon, appelez la Caf au 32 30."),
    "nir.provisional": ("Ce numéro ressemble à un identifiant provisoire. "
                        "Choisissez « J'ai un identifiant provisoire »."),
    "nir.shifted": ("Le numéro a des signes à la place des chiffres. "
                    "Sur un ordinateur, gardez la touche des majuscules appuyée. "
                    "C'est la touche avec une flèche vers le haut. "
                    "Puis écrivez les chiffres."),
    # «Le numéro a la lettre O…»: an A-Z letter is named, any other is «une lettre».
    "nir.letter": ("Le numéro a {letter} à la place d'un chiffre. "
                   "Seul le département de la Corse a une lettre : 2A ou 2B."),
    "nir.letter.named": "la lettre {letter}",
    "nir.letter.other": "une lettre",
    "nir.letter.lookalike": "Sur la carte, c'est peut-être le chiffre {digit}.",
    "nir.sign": ("Le numéro a un signe qui n'est pas accepté. "
                 "Écrivez seulement des chiffres et des espaces."),
    "nir.sex": ("Ce numéro commence par {first}. "
                "Un numéro de sécurité sociale commence par 1 ou 2. {where}"),
    "nir.key": ("La clé ne correspond pas au reste du numéro. "
                "La clé, ce sont les 2 derniers chiffres. "
                "Vérifiez le numéro sur votre carte Vitale. "
                "Ou écrivez seulement les 13 premiers caractères."),

    # --- The identifiant provisoire (domain/provisional.py) -----------------------------
    "provisional.where": "Il est écrit en haut des courriers de la Caf.",
    "provisional.input_too_long": "Ce que vous avez écrit est trop long. {where}",
    "provisional.empty": "Écrivez votre identifiant provisoire. Il commence par la lettre P. {where}",
    "provisional.nir": ("Ce numéro ressemble à un numéro de sécurité sociale. "
                        "Connectez-vous avec lui sur la page « Connexion »."),
    "provisional.allocataire": ("Ce numéro ressemble à un numéro allocataire. "
                                "Il ne sert plus pour se connecter. "
                                "L'identifiant provisoire commence par la lettre P. {where}"),
    "provisional.no_p": "L'identifiant provisoire commence par la lettre P. {where}",
    "provisional.not_digits": ("Après la lettre P, il faut seulement des chiffres. "
                               "Vérifiez sur votre courrier."),
    "provisional.digits.one": "Après la lettre P, il y a {count} chiffre. Il en faut 8. {where}",
    "provisional.digits.many": "Après la lettre P, il y a {count} chiffres. Il en faut 8. {where}",
    "provisional.check_digit": ("Un chiffre de l'identifiant n'est pas bon. "
                                "Vérifiez sur votre courrier."),

    # --- Phone and mail (domain/contact.py, blueprints/contact_form.py) -----------------
    "phone.incomplete": ("Ce numéro de téléphone n'est pas complet. Écrivez 10 chiffres. "
                         "Par exemple : 06\u00a012\u00a034\u00a056\u00a078."),
    "phone.invalid": ("Ce numéro de téléphone n'existe pas. Vérifiez les chiffres. "
                      "Par exemple : 06\u00a012\u00a034\u00a056\u00a078."),
    "phone.not_mobile": ("Ce numéro n'est pas un téléphone portable. "
                         "Un portable commence par 06 ou 07. "
                         "Écrivez un téléphone fixe dans « Autre téléphone »."),
    "email.too_long": "Cette adresse mail est trop longue. Vérifiez-la.",
    "email.no_at": "Il manque le signe @ dans l'adresse mail. Par exemple : nom@exemple.fr.",
    "email.invalid": ("Cette adresse mail n'est pas complète. Vérifiez-la. "
                      "Par exemple : nom@exemple.fr."),
    "contact.need_one": ("Écrivez au moins votre téléphone portable ou votre adresse mail. "
                         "Nous y envoyons un code."),

    # --- Password rules: the checklist's words and the reason after a submit ------------
    # (domain/passwords.py; the first five are the guide's)
    "password.state.not_yet": "pas encore",
    "password.state.to_change": "à changer",
    "password.length.label": "8 à 24 caractères",
    "password.length.reason": "Le mot de passe doit avoir entre 8 et 24 caractères.",
    "password.lowercase.label": "1 lettre minuscule",
    "password.lowercase.reason": "Ajoutez au moins 1 lettre minuscule. Par exemple : m.",
    "password.uppercase.label": "1 lettre majuscule",
    "password.uppercase.reason": "Ajoutez au moins 1 lettre majuscule. Par exemple : M.",
    "password.digit.label": "1 chiffre",
    "password.digit.reason": "Ajoutez au moins 1 chiffre. Par exemple : 7.",
    "password.charset.label": "chiffres et lettres uniquement",
    "password.charset.reason": ("Écrivez seulement des chiffres et des lettres sans accent. "
                                "Pas d'espace, pas de signe comme @ ou !."),
    "password.common.label": "pas un mot de passe trop connu",
    "password.common.reason": ("Ce mot de passe est trop connu. "
                               "Beaucoup de personnes l'utilisent. Choisissez-en un autre."),
    "password.personal.label": "sans mon numéro de sécurité sociale ni ma date de naissance",
    "password.personal.reason": ("Le mot de passe contient votre numéro de sécurité sociale "
                                 "ou votre date de naissance. Choisissez-en un autre."),
    "password.mismatch": ("Les 2 mots de passe ne sont pas identiques. "
                          "Écrivez le même mot de passe 2 fois."),

    # --- Signing in and out (blueprints/auth) -------------------------------------------
    "sign_in.wrong_nir": "Numéro de sécurité sociale ou mot de passe incorrect",
    "sign_in.wrong_provisional": "Identifiant provisoire ou mot de passe incorrect",
    "sign_in.nir_forgotten": "Votre numéro est oublié sur cet appareil.",
    "sign_out.done": "Vous êtes déconnecté. À bientôt !",
    "session.timed_out": ("Pour votre sécurité, votre session s'est fermée après {minutes} "
                          "minutes sans activité. Connectez-vous à nouveau."),
    "device.remember": "Se souvenir de cet appareil pendant {days} jours",

    # --- FranceConnect (blueprints/franceconnect): each problem's title and message -----
    "franceconnect.refused.title": "Connexion avec FranceConnect annulée",
    "franceconnect.refused": "Vous avez annulé la connexion avec FranceConnect.",
    "franceconnect.state.title": "Cette connexion ne marche plus",
    "franceconnect.state": "Cette page de FranceConnect a déjà servi. Ou elle ne vient pas de vous.",
    "franceconnect.failed.title": "FranceConnect n'a pas pu vous connecter",
    "franceconnect.failed": "FranceConnect n'a pas pu confirmer qui vous êtes.",
    "franceconnect.unavailable.title": "FranceConnect ne répond pas",
    "franceconnect.unavailable": "FranceConnect ne répond pas pour le moment.",
    "franceconnect.linked": ("Votre compte FranceConnect est maintenant relié à votre compte Caf. "
                             "La prochaine fois, FranceConnect suffit pour vous connecter."),
    "franceconnect.unlinked": ("FranceConnect n'est plus relié à votre compte. "
                               "Connectez-vous avec votre numéro de sécurité sociale."),
    "franceconnect.signed_out": ("Vous êtes déconnecté de Mon Compte et de FranceConnect. "
                                 "À bientôt !"),
    "franceconnect.signed_out_here_only": ("Vous êtes déconnecté de Mon Compte. "
                                           "FranceConnect ne répond pas : "
                                           "fermez votre navigateur pour finir."),

    # --- First login (blueprints/first_login) -------------------------------------------
    "cgu.label": ("J'ai pris connaissance des conditions générales d'utilisation "
                  "et je les accepte"),
    "cgu.not_ticked": ("Cochez la case « J'ai pris connaissance des conditions générales "
                       "d'utilisation et je les accepte ». Puis cliquez sur « Continuer »."),
    "first_login.quit": ("Vous êtes déconnecté. Ce que vous avez fait est gardé. "
                         "À la prochaine connexion, vous reprenez à cette étape."),
    "first_login.welcome": "Vos coordonnées sont confirmées. Bienvenue sur Mon Compte !",

    # --- The verification code: the page (blueprints/code_step.py) ----------------------
    "code.label.sms": "Code de vérification reçu par SMS",
    "code.label.mail": "Code de vérification reçu par mail",
    # After a check: code.<Outcome value> (domain/codes.py); {left} is code.tries_left.
    "code.malformed": "Écrivez le code à 6 chiffres que vous avez reçu.",
    "code.wrong": "Ce code n'est pas le bon. Vérifiez le code reçu. {left}",
    "code.dead": ("Ce code ne marche plus. Il y a eu trop d'erreurs, ou il a déjà servi. "
                  "Demandez un nouveau code."),
    "code.expired": "Ce code a plus de 10 minutes. Il ne marche plus. Demandez un nouveau code.",
    "code.tries_left.one": "Il vous reste {left} essai.",
    "code.tries_left.many": "Il vous reste {left} essais.",
    "code.not_sent": "Le message n'est pas parti. Demandez un nouveau code.",
    "code.wait": "Vous avez déjà demandé un code. Attendez {wait} avant d'en demander un autre.",
    "code.resent": "Nous vous avons envoyé un nouveau code. L'ancien code ne marche plus.",
    # Live words while typing (domain/codes.py): never whether the code is right.
    "code.hint.digits_only": "Écrivez seulement des chiffres.",
    "code.hint.missing.one": "Il manque {count} chiffre.",
    "code.hint.missing.many": "Il manque {count} chiffres.",
    "code.hint.too_many": "Le code a {digits} chiffres. Vous en avez écrit {count}.",
    "code.hint.complete": "Le code a bien 6 chiffres. Cliquez sur « Valider le code ».",

    # --- The verification code: the SMS and the mail (services/codes.py) ----------------
    # {why}: what the code is for, so that a person who asked nothing can tell.
    "code.why.contact": "de vérification",
    "code.why.reset": "pour un nouveau mot de passe",
    "code.why.change": "pour confirmer vos nouvelles coordonnées",
    "code.why.device": "pour confirmer un nouvel appareil",
    "code.sms": ("Mon Compte Caf : votre code {why} est {code}. Il marche {minutes} minutes. "
                 "Ne le donnez à personne."),
    # Added to the SMS (after a space) and put in the mail instead of code.nothing_asked:
    # someone who asked nothing but gets a new-device code has had the password guessed.
    "code.not_you.device": "Ce n'est pas vous ? Changez vite votre mot de passe.",
    "code.nothing_asked": "Vous n'avez rien demandé ? Ne faites rien.",
    "code.mail": ("Bonjour,\n\n"
                  "Votre code {why} est : {code}\n\n"
                  "Écrivez ce code sur la page Mon Compte Caf.\n"
                  "Le code marche pendant {minutes} minutes.\n"
                  "Ne donnez ce code à personne. La Caf ne vous le demande jamais.\n\n"
                  "{warning}\n\n"
                  "La Caf"),
    "code.mail.subject": "Votre code {why} Mon Compte Caf",

    # --- Forgotten password (blueprints/password_reset) ---------------------------------
    "password_reset.too_many_from_here": ("Il y a eu beaucoup de demandes de code depuis ce lieu. "
                                          "Attendez {wait}. Ensuite, vous pourrez demander un code."),
    "password_reset.done": "Votre nouveau mot de passe est enregistré. Connectez-vous avec lui.",

    # --- «Mes coordonnées» (blueprints/account/contact.py) ------------------------------
    "contact.wrong_password": ("Ce mot de passe n'est pas le bon. "
                               "Écrivez le mot de passe que vous utilisez pour vous connecter."),
    "contact.reauth_wait": ("Il y a eu trop d'essais de mot de passe. Attendez {wait}. "
                            "Ensuite, essayez à nouveau."),
    "contact.cancelled": "Rien n'a changé. Vos coordonnées sont les mêmes.",
    "contact.confirmed": "Vos nouvelles coordonnées sont confirmées et enregistrées.",
    # Sent to the old mobile or mail once the new details are confirmed.
    "contact.changed_notice": ("Mon Compte Caf : vos coordonnées de contact ont changé. "
                               "Ce n'est pas vous ? Appelez la Caf au 32 30."),
    "contact.changed_subject": "Vos coordonnées Mon Compte Caf ont changé",

    # --- Mon Compte (blueprints/account) ------------------------------------------------
    "payments.bad_month": "Choisissez un mois dans la liste.",
    "document.size": "PDF, {kilobytes} Ko",

    # --- The PDFs (services/documents.py) -----------------------------------------------
    "document.who.allocataire": "{name}, numéro allocataire {number}",
    "document.who.provisional": "{name}, identifiant {number}",
    "document.total": "Total : {amount}.",
    "document.benefit_total": "{benefit} : {amount} en tout",
    "document.column.date": "Date",
    "document.column.amount": "Montant",
    "document.column.paid_to": "Versé à",
    "document.paid_to_you": "vous",
    "statement.title": "Relevé de compte Caf",
    "statement.period": "Paiements du {start} au {end}.",
    "statement.no_payment": "Aucun paiement pendant cette période.",
    "statement.made_on": "Document fait le {day}, sur Mon Compte Caf.",
    "attestation.title": "Attestation de paiement",
    "attestation.intro": "La Caisse d'allocations familiales atteste avoir versé à :",
    "attestation.period": "les paiements suivants, du {start} au {end}.",
    "attestation.issued_on": "Attestation délivrée le {day}.",
    "attestation.reference": "Référence de vérification : {reference}",
    "attestation.how_to_check": ("Pour vérifier cette attestation, allez sur {url} "
                                 "et écrivez la référence."),

    # --- Help pages' titles (blueprints/pages) ------------------------------------------
    "help.nia": "Que faire avec un NIA ?",
    "help.no_mobile": "Je n'ai pas de téléphone portable",
    "help.no_mail": "Je n'ai plus accès à mon adresse mail",
    "help.nir_forgotten": "J'ai oublié mon numéro de sécurité sociale",

    # --- A wait, in words (services/limiter.py): the {wait} of the messages above and
    # of the 429 pages.
    "wait.seconds.one": "{count} seconde",
    "wait.seconds.many": "{count} secondes",
    "wait.minutes.one": "{count} minute",
    "wait.minutes.many": "{count} minutes",
}


def say(key: str, **values: object) -> str:
    """The words of `key`, with its {placeholders} filled in."""
    return WORDS[key].format(**values)


def plural(key: str, count: int) -> str:
    """«key.one» for 0 or 1, «key.many» for more: French says «0 chiffre», «2 chiffres»."""
    return f"{key}.{'many' if count > 1 else 'one'}"
