"""The RGAA 4.1 self-assessment, as data: the 106 criteria, each with its status and the
tests that prove it.

Rule: we only claim what our tests prove.

- "C" (respecté): at least one automated test in tests/ or e2e/ checks the criterion.
- "NA" (non applicable): a test proves the thing the criterion is about is absent
  (no video, no frame…); most of these tests are in tests/test_rgaa_claims.py.
- "NC" (non respecté): we saw it fail; the note says what is wrong.
- "NT" (pas encore vérifié): no test checks it well enough yet, often because it needs a
  person's judgement (is this text pertinent?); the note says what is left.

`proof` holds pytest node ids (file::function, or file::Class::function), without
parameters. tests/test_rgaa_claims.py checks that each one exists.
The «Déclaration d'accessibilité» (templates/pages/accessibility.html) shows this data.
"""
from __future__ import annotations

from dataclasses import dataclass

THEMES: dict[int, str] = {
    1: "Images",
    2: "Cadres",
    3: "Couleurs",
    4: "Multimédia",
    5: "Tableaux",
    6: "Liens",
    7: "Scripts",
    8: "Éléments obligatoires",
    9: "Structuration de l'information",
    10: "Présentation de l'information",
    11: "Formulaires",
    12: "Navigation",
    13: "Consultation",
}

STATUSES = ("C", "NC", "NA", "NT")


@dataclass(frozen=True)
class Criterion:
    number: str  # "11.1"
    label: str  # short French wording of the official criterion
    status: str  # "C", "NC", "NA" or "NT"
    proof: tuple[str, ...] = ()  # pytest node ids
    note: str = ""  # French, one short sentence: why NA / what is wrong / what is left


# --- the tests cited more than once -------------------------------------------------------

CLAIMS = "tests/test_rgaa_claims.py::"
AUDIT = "e2e/test_accessibility_audit.py::"
# axe-core (WCAG 2.1 A and AA rules) on every page state, 320 and 412 px, JavaScript on and off.
AXE = (
    AUDIT + "test_public_pages",
    AUDIT + "test_new_guide_pages",
    AUDIT + "test_sign_in_states",
    AUDIT + "test_first_login_states",
    AUDIT + "test_password_reset_states",
    AUDIT + "test_account_states",
    AUDIT + "test_franceconnect_states",
    AUDIT + "test_sign_in_and_first_login_forms_without_javascript",
    AUDIT + "test_password_reset_and_account_forms_without_javascript",
)
KEYBOARD = "e2e/test_keyboard_zoom_focus.py::"
NO_MEDIA = (CLAIMS + "test_no_sound_video_or_animated_object",)
SIMPLE_TABLES = (CLAIMS + "test_every_table_is_a_simple_data_table",)
NO_HOVER = (CLAIMS + "test_nothing_appears_on_hover_or_focus",)
NO_SITE_MAP = (CLAIMS + "test_no_site_map_and_no_search_engine",)
NO_GESTURE = (CLAIMS + "test_no_gesture_and_no_motion_of_the_phone",)
STILL = (CLAIMS + "test_nothing_moves_blinks_or_flashes",)
CRYPTIC = (CLAIMS + "test_no_ascii_art_and_no_emoticon",)

NO_MEDIA_NOTE = "Le site n'a ni vidéo, ni son, ni animation."


def _media(number: str, label: str) -> Criterion:
    return Criterion(number, label, "NA", NO_MEDIA, NO_MEDIA_NOTE)


CRITERIA: tuple[Criterion, ...] = (
    # 1. Images
    Criterion("1.1", "Chaque image qui donne une information a un texte de remplacement.", "C",
              (CLAIMS + "test_every_image_has_a_text_alternative",
               "e2e/test_guide_pictures.py::test_guide_page_shows_every_step_with_its_picture",
               AUDIT + "test_new_guide_pages")),
    Criterion("1.2", "Chaque image de décoration est ignorée par les lecteurs d'écran.", "C",
              (CLAIMS + "test_decorative_images_are_hidden_from_screen_readers",)),
    Criterion("1.3", "Le texte de remplacement de chaque image est pertinent.", "NT",
              note="Les images du guide ont un texte ; une personne doit juger s'il est pertinent."),
    Criterion("1.4", "Une image CAPTCHA dit sa nature et sa fonction.", "NA",
              (CLAIMS + "test_no_captcha",), "Le site n'a pas de CAPTCHA."),
    Criterion("1.5", "Un CAPTCHA a toujours une autre solution d'accès.", "NA",
              (CLAIMS + "test_no_captcha",), "Le site n'a pas de CAPTCHA."),
    Criterion("1.6", "Chaque image qui donne une information a, si besoin, une description détaillée.",
              "NT",
              note="Les images du guide montrent des écrans : une personne doit juger si une description détaillée "
                   "est utile."),
    Criterion("1.7", "La description détaillée d'une image est pertinente.", "NA",
              (CLAIMS + "test_no_image_has_a_detailed_description",),
              "Aucune image n'a de description détaillée."),
    Criterion("1.8", "Un texte n'est pas montré en image quand il peut être écrit.", "NT",
              note="Les images du guide sont des copies d'écran avec du texte : une personne doit juger ce cas "
                   "particulier."),
    Criterion("1.9", "Chaque légende d'image est bien reliée à son image.", "NA",
              (CLAIMS + "test_no_image_has_a_caption",), "Aucune image n'a de légende."),
    # 2. Cadres
    Criterion("2.1", "Chaque cadre a un titre.", "NA",
              (CLAIMS + "test_no_frame",), "Le site n'a pas de cadre (iframe)."),
    Criterion("2.2", "Le titre de chaque cadre est pertinent.", "NA",
              (CLAIMS + "test_no_frame",), "Le site n'a pas de cadre (iframe)."),
    # 3. Couleurs
    Criterion("3.1", "L'information n'est jamais donnée seulement par la couleur.", "C",
              ("e2e/test_first_login_journey.py::test_password_checklist_is_live_while_typing",
               "e2e/test_first_login_journey.py::test_password_rules_checked_on_submit_without_javascript",
               "tests/test_account.py::test_letters_list_says_read_and_unread_in_words",
               "e2e/test_sign_in_journey.py::test_empty_form_shows_errors_for_both_fields",
               *AXE)),
    Criterion("3.2", "Le texte est assez contrasté avec son fond.", "C",
              (*AXE, "e2e/test_e2e_helpers.py::test_axe_without_js_checks_contrast_in_the_copy")),
    Criterion("3.3", "Les bordures de champs, icônes et graphiques sont assez contrastés.", "NT",
              note="L'outil axe ne mesure pas le contraste des bordures, des icônes et du focus."),
    # 4. Multimédia
    _media("4.1", "Chaque son ou vidéo enregistré a, si besoin, une transcription ou une audiodescription."),
    _media("4.2", "La transcription ou l'audiodescription d'un son ou d'une vidéo est pertinente."),
    _media("4.3", "Chaque vidéo avec du son a, si besoin, des sous-titres."),
    _media("4.4", "Les sous-titres de chaque vidéo sont pertinents."),
    _media("4.5", "Chaque vidéo enregistrée a, si besoin, une audiodescription synchronisée."),
    _media("4.6", "L'audiodescription synchronisée de chaque vidéo est pertinente."),
    _media("4.7", "Chaque son ou vidéo est clairement identifiable."),
    _media("4.8", "Chaque média non temporel a, si besoin, une alternative."),
    _media("4.9", "L'alternative de chaque média non temporel est pertinente."),
    _media("4.10", "Chaque son qui démarre tout seul peut être arrêté."),
    _media("4.11", "Chaque son ou vidéo se contrôle au clavier et à la souris."),
    _media("4.12", "Chaque média non temporel se contrôle au clavier et à la souris."),
    _media("4.13", "Chaque média marche avec les technologies d'assistance."),
    # 5. Tableaux
    Criterion("5.1", "Chaque tableau de données complexe a un résumé.", "NA", SIMPLE_TABLES,
              "Les tableaux du site sont simples : une ligne d'en-têtes."),
    Criterion("5.2", "Le résumé de chaque tableau complexe est pertinent.", "NA", SIMPLE_TABLES,
              "Les tableaux du site sont simples : une ligne d'en-têtes."),
    Criterion("5.3", "Un tableau de mise en forme reste compréhensible lu dans l'ordre.", "NA",
              SIMPLE_TABLES, "Le site n'a pas de tableau de mise en forme."),
    Criterion("5.4", "Le titre de chaque tableau de données lui est bien associé.", "C",
              (*SIMPLE_TABLES,
               "tests/test_account.py::test_details_show_one_table_per_benefit_for_the_latest_12_months",
               "e2e/test_account_journey.py::test_every_link_of_mon_compte_leads_to_real_content_at_320")),
    Criterion("5.5", "Le titre de chaque tableau de données est pertinent.", "C",
              ("tests/test_account.py::test_details_show_one_table_per_benefit_for_the_latest_12_months",
               "tests/test_sign_in.py::test_karim_payments_page_lists_them_newest_first")),
    Criterion("5.6", "Les en-têtes de colonnes et de lignes sont bien déclarés.", "C",
              (*SIMPLE_TABLES,
               "e2e/test_account_journey.py::test_every_link_of_mon_compte_leads_to_real_content_at_320")),
    Criterion("5.7", "Chaque cellule est reliée à ses en-têtes.", "C",
              (*SIMPLE_TABLES, AUDIT + "test_account_states")),
    Criterion("5.8", "Un tableau de mise en forme n'utilise pas les balises des tableaux de données.",
              "NA", SIMPLE_TABLES, "Le site n'a pas de tableau de mise en forme."),
    # 6. Liens
    Criterion("6.1", "Chaque lien est explicite.", "NT",
              note="Chaque lien a des mots. Une personne doit juger s'ils disent bien où va le lien."),
    Criterion("6.2", "Chaque lien a un intitulé.", "C",
              (CLAIMS + "test_every_link_has_words", *AXE)),
    # 7. Scripts
    Criterion("7.1", "Chaque script marche, si besoin, avec les technologies d'assistance.", "NT",
              note="Pas encore de test avec un lecteur d'écran. Par exemple pour « Afficher le mot de passe »."),
    Criterion("7.2", "L'autre solution proposée à un script est pertinente.", "C",
              (AUDIT + "test_sign_in_and_first_login_forms_without_javascript",
               AUDIT + "test_password_reset_and_account_forms_without_javascript",
               "e2e/test_first_login_journey.py::test_password_rules_checked_on_submit_without_javascript",
               "e2e/test_sign_in_journey.py::test_no_eye_button_without_javascript",
               "e2e/test_account_journey.py::test_without_script_the_time_limit_is_said_and_no_warning_shows")),
    Criterion("7.3", "Chaque script se contrôle au clavier et à la souris.", "NT",
              (KEYBOARD + "test_first_login_with_the_keyboard_only",),
              "Le parcours se fait au clavier. Il reste à tester « Afficher le mot de passe » et « Rester connecté »."),
    Criterion("7.4", "Un script qui change de page ou de contexte prévient avant.", "C",
              ("e2e/test_sign_in_journey.py::test_live_message_while_typing_the_number",
               "e2e/test_first_login_journey.py::test_password_checklist_is_live_while_typing",
               "e2e/test_account_journey.py::test_session_warning_appears_and_rester_connecte_keeps_the_session",
               "e2e/test_account_journey.py::test_at_the_end_of_the_session_the_page_leaves_personal_data")),
    Criterion("7.5", "Les messages de statut sont lus par les technologies d'assistance.", "C",
              (KEYBOARD + "test_bug_password_match_live_region_is_not_recreated",
               KEYBOARD + "test_live_messages_keep_focus_and_say_what_they_show")),
    # 8. Éléments obligatoires
    Criterion("8.1", "Chaque page a un type de document.", "C",
              (CLAIMS + "test_every_page_starts_with_the_html5_doctype",
               "tests/test_html_valid.py::test_the_document_is_valid_html")),
    Criterion("8.2", "Le code de chaque page est valide.", "C",
              ("tests/test_html_valid.py::test_the_document_is_valid_html",
               "tests/test_html_valid.py::test_every_route_that_answers_html_is_checked")),
    Criterion("8.3", "Chaque page indique sa langue.", "C",
              (CLAIMS + "test_every_page_is_in_french", *AXE)),
    Criterion("8.4", "La langue indiquée pour chaque page est la bonne.", "C",
              (CLAIMS + "test_every_page_is_in_french", *AXE)),
    Criterion("8.5", "Chaque page a un titre.", "C",
              (CLAIMS + "test_every_page_has_a_title", *AXE)),
    Criterion("8.6", "Le titre de chaque page est pertinent.", "C",
              (AUDIT + "test_every_page_has_its_own_title_and_errors_say_so",
               AUDIT + "test_journey_titles_say_the_step",
               "tests/test_sign_in.py::test_each_public_page_has_its_own_title",
               "tests/test_help_pages.py::test_each_help_page_has_its_own_title",
               "e2e/test_home_and_layout.py::test_page_titles_are_unique")),
    Criterion("8.7", "Chaque passage dans une autre langue est indiqué.", "NT",
              note="Une personne doit relever les mots étrangers, par exemple « wifi »."),
    Criterion("8.8", "Le code de langue de chaque passage dans une autre langue est bon.", "NA",
              (CLAIMS + "test_no_change_of_language_is_marked",),
              "Aucun passage dans une autre langue n'est indiqué."),
    Criterion("8.9", "Les balises ne servent pas seulement à la mise en forme.", "NT",
              note="Une personne doit relire le code de chaque page."),
    Criterion("8.10", "Les changements du sens de lecture sont signalés.", "NA",
              (CLAIMS + "test_no_right_to_left_text",), "Tout le site se lit de gauche à droite."),
    # 9. Structuration de l'information
    Criterion("9.1", "L'information est organisée par des titres bien utilisés.", "NT",
              (CLAIMS + "test_headings_start_at_h1_and_skip_no_level",),
              "Un seul h1 par page et aucun niveau sauté : c'est testé. Une personne doit juger chaque titre."),
    Criterion("9.2", "La structure de chaque page est cohérente.", "C",
              (CLAIMS + "test_nav_is_only_used_for_links", CLAIMS + "test_headings_start_at_h1_and_skip_no_level")),
    Criterion("9.3", "Chaque liste est bien codée.", "NT",
              note="L'outil axe vérifie le code des listes ; une personne doit repérer les listes non codées."),
    Criterion("9.4", "Chaque citation est bien indiquée.", "NT",
              note="Une personne doit repérer les citations."),
    # 10. Présentation de l'information
    Criterion("10.1", "La présentation est faite avec des feuilles de style.", "C",
              (CLAIMS + "test_presentation_is_left_to_the_stylesheet",)),
    Criterion("10.2", "Le contenu visible reste là sans les feuilles de style.", "C",
              (CLAIMS + "test_the_stylesheet_adds_no_content",)),
    Criterion("10.3", "L'information reste compréhensible sans les feuilles de style.", "C",
              (CLAIMS + "test_the_stylesheet_keeps_the_reading_order",
               CLAIMS + "test_the_stylesheet_adds_no_content")),
    Criterion("10.4", "Le texte reste lisible agrandi à 200 %.", "C",
              (KEYBOARD + "test_every_page_reflows_at_320px_and_with_text_at_200_percent",
               "e2e/test_home_and_layout.py::test_no_sideways_scroll_with_text_at_200_percent",
               "e2e/test_franceconnect_journey.py::test_the_franceconnect_block_reflows_with_text_at_200_percent",
               CLAIMS + "test_text_sizes_follow_the_phone_settings")),
    Criterion("10.5", "Les couleurs du texte et du fond sont déclarées ensemble.", "C",
              (CLAIMS + "test_text_and_background_colours_go_together",)),
    Criterion("10.6", "Chaque lien dans un texte se voit à côté des autres mots.", "C",
              (CLAIMS + "test_links_stay_underlined", *AXE)),
    Criterion("10.7", "Chaque élément qui reçoit le focus le montre bien.", "C",
              (KEYBOARD + "test_first_login_with_the_keyboard_only",
               "e2e/test_home_and_layout.py::test_keyboard_focus_is_visible",
               CLAIMS + "test_the_focus_style_is_never_removed")),
    Criterion("10.8", "Les contenus cachés sont bien ignorés par les technologies d'assistance.", "NT",
              note="Une personne doit juger chaque texte caché (« Erreur : », « fait ») et chaque icône masquée."),
    Criterion("10.9", "L'information n'est pas donnée seulement par la forme, la taille ou la place.",
              "NT", note="Une personne doit relire chaque page."),
    Criterion("10.10", "La règle sur la forme, la taille et la place est bien appliquée.", "NT",
              note="Une personne doit relire chaque page."),
    Criterion("10.11", "Le contenu s'adapte à un écran de 320 pixels, sans défilement de côté.", "C",
              (*AXE, "e2e/test_e2e_helpers.py::test_sideways_scroll_is_caught")),
    Criterion("10.12", "On peut agrandir l'espace entre les lettres et les lignes sans rien perdre.", "NT",
              note="Pas encore de test avec un espacement du texte agrandi."),
    Criterion("10.13", "Ce qui apparaît au survol ou au focus se contrôle.", "NA", NO_HOVER,
              "Rien n'apparaît au survol ou au focus, sauf le lien d'évitement lui-même."),
    Criterion("10.14", "Ce qui apparaît par les styles au survol apparaît aussi au clavier.", "NA", NO_HOVER,
              "Rien n'apparaît au survol ou au focus, sauf le lien d'évitement lui-même."),
    # 11. Formulaires
    Criterion("11.1", "Chaque champ de formulaire a une étiquette.", "C",
              (*AXE, CLAIMS + "test_each_label_sits_with_its_field",
               "tests/test_sign_in.py::test_sign_in_page_has_every_element_of_journey_page_2")),
    Criterion("11.2", "L'étiquette de chaque champ est pertinente.", "NT",
              note="Les étiquettes sont testées mot pour mot ; une personne doit juger si elles sont claires."),
    Criterion("11.3", "Un champ qui revient a toujours la même étiquette.", "C",
              (CLAIMS + "test_the_same_field_has_the_same_label_everywhere",)),
    Criterion("11.4", "Chaque étiquette est placée juste à côté de son champ.", "C",
              (CLAIMS + "test_each_label_sits_with_its_field",)),
    Criterion("11.5", "Les champs de même nature sont regroupés, si besoin.", "NT",
              (CLAIMS + "test_every_group_of_fields_has_a_legend",),
              "Les boutons radio sont regroupés ; une personne doit juger les autres champs."),
    Criterion("11.6", "Chaque groupe de champs a une légende.", "C",
              (CLAIMS + "test_every_group_of_fields_has_a_legend",)),
    Criterion("11.7", "La légende de chaque groupe de champs est pertinente.", "NT",
              note="Une personne doit juger la légende de la question sur l'envoi du code."),
    Criterion("11.8", "Les choix d'une liste déroulante sont regroupés, si besoin.", "NT",
              note="Les listes « Du mois de » et « Au mois de » : faut-il grouper leurs mois ? Une personne doit juger."),
    Criterion("11.9", "Le texte de chaque bouton est pertinent.", "NT",
              note="Chaque bouton a un texte ; une personne doit juger s'il dit bien ce qu'il fait."),
    Criterion("11.10", "Les champs obligatoires, les formats et les erreurs sont bien indiqués.", "C",
              (CLAIMS + "test_forms_say_which_fields_are_required",
               "e2e/test_sign_in_journey.py::test_empty_form_shows_errors_for_both_fields",
               "e2e/test_sign_in_journey.py::test_sign_in_form_says_what_to_type",
               KEYBOARD + "test_focus_goes_to_the_error_summary_after_a_failed_submit",
               "tests/test_sign_in.py::test_wrong_password_error_is_linked_to_the_password_field")),
    Criterion("11.11", "Chaque message d'erreur aide à corriger la saisie.", "C",
              ("tests/test_nir.py::test_errors",
               "tests/test_provisional.py::test_each_mistake_gets_its_own_short_falc_message",
               "tests/test_contact.py::test_a_wrong_number_says_so_plainly",
               "tests/test_contact.py::test_a_wrong_mail_says_what_to_do",
               "e2e/test_sign_in_journey.py::test_numero_allocataire_gets_the_carte_vitale_message")),
    Criterion("11.12", "Avant un envoi important, on peut vérifier, corriger ou annuler.", "NT",
              note="« Mes coordonnées » se confirme par un code et s'annule ; « Délier FranceConnect » reste à juger."),
    Criterion("11.13", "Chaque champ sur la personne permet le remplissage automatique.", "C",
              (CLAIMS + "test_personal_fields_say_their_purpose", *AXE,
               "e2e/test_sign_in_journey.py::test_sign_in_form_says_what_to_type")),
    # 12. Navigation
    Criterion("12.1", "Le site a au moins deux façons de trouver une page.", "NT",
              note="Il n'y a ni plan du site ni recherche. Une personne doit juger si le parcours suffit."),
    Criterion("12.2", "Les liens de l'en-tête et du pied de page sont toujours à la même place.", "C",
              (CLAIMS + "test_header_and_footer_are_the_same_on_every_page",)),
    Criterion("12.3", "La page « plan du site » est pertinente.", "NA", NO_SITE_MAP,
              "Le site n'a pas de plan du site."),
    Criterion("12.4", "La page « plan du site » s'ouvre de la même façon partout.", "NA", NO_SITE_MAP,
              "Le site n'a pas de plan du site."),
    Criterion("12.5", "Le moteur de recherche s'ouvre de la même façon partout.", "NA", NO_SITE_MAP,
              "Le site n'a pas de moteur de recherche."),
    Criterion("12.6", "On peut aller à l'en-tête, au contenu et au pied de page, ou les passer.", "C",
              (CLAIMS + "test_every_page_has_its_regions_and_a_skip_link",
               "e2e/test_home_and_layout.py::test_skip_link_goes_to_the_main_content")),
    Criterion("12.7", "Chaque page a un lien pour aller directement au contenu.", "C",
              ("e2e/test_home_and_layout.py::test_skip_link_goes_to_the_main_content",
               CLAIMS + "test_every_page_has_its_regions_and_a_skip_link")),
    Criterion("12.8", "L'ordre de passage avec la touche Tab est logique.", "C",
              (KEYBOARD + "test_first_login_with_the_keyboard_only",
               CLAIMS + "test_no_positive_tabindex",
               CLAIMS + "test_the_stylesheet_keeps_the_reading_order",
               "e2e/test_home_and_layout.py::test_skip_link_goes_to_the_main_content",
               "e2e/test_first_login_journey.py::test_cgu_refused_until_ticked_then_keyboard_tick_continues")),
    Criterion("12.9", "Le clavier n'est jamais bloqué dans une partie de la page.", "C",
              (KEYBOARD + "test_first_login_with_the_keyboard_only",
               KEYBOARD + "test_focus_goes_to_the_error_summary_after_a_failed_submit",
               CLAIMS + "test_no_keyboard_shortcut")),
    Criterion("12.10", "Les raccourcis clavier d'une seule touche se contrôlent.", "NA",
              (CLAIMS + "test_no_keyboard_shortcut",), "Le site n'a pas de raccourci clavier."),
    Criterion("12.11", "Ce qui apparaît au survol, au focus ou au clic s'atteint au clavier.", "NT",
              note="Le bloc « Voir les critères, un par un » reste à tester au clavier."),
    # 13. Consultation
    Criterion("13.1", "La personne contrôle chaque limite de temps.", "C",
              ("e2e/test_account_journey.py::test_session_warning_appears_and_rester_connecte_keeps_the_session",
               "e2e/test_account_journey.py::test_without_script_the_time_limit_is_said_and_no_warning_shows",
               "tests/test_session_timeout.py::test_signed_in_pages_say_the_time_limit_and_carry_the_hidden_warning",
               "tests/test_session_timeout.py::test_rester_connecte_after_29_minutes_keeps_the_session",
               "tests/test_first_login.py::test_after_the_wait_a_new_code_works_and_the_old_one_is_dead")),
    Criterion("13.2", "Aucune nouvelle fenêtre ne s'ouvre sans action de la personne.", "C",
              (CLAIMS + "test_no_window_opens_by_itself",)),
    Criterion("13.3", "Chaque document à télécharger a, si besoin, une version accessible.", "NT",
              (CLAIMS + "test_pdf_links_say_pdf",),
              "Les PDF n'ont pas de balises. La page « Détail de mes allocations » doit donner les mêmes informations."),
    Criterion("13.4", "La version accessible d'un document donne la même information.", "NT",
              note="Il reste à comparer les PDF et la page « Détail de mes allocations »."),
    Criterion("13.5", "Chaque contenu cryptique (dessin en caractères, émoticône) a une explication.", "NA",
              CRYPTIC, "Le site n'a ni émoticône ni dessin en caractères."),
    Criterion("13.6", "L'explication de chaque contenu cryptique est pertinente.", "NA",
              CRYPTIC, "Le site n'a ni émoticône ni dessin en caractères."),
    Criterion("13.7", "Aucun flash ni changement brusque de lumière.", "NA", STILL,
              "Rien ne bouge et rien ne clignote sur le site."),
    Criterion("13.8", "Chaque contenu qui bouge ou clignote peut être arrêté.", "NA", STILL,
              "Rien ne bouge et rien ne clignote sur le site."),
    Criterion("13.9", "Le contenu se lit avec le téléphone en hauteur ou en largeur.", "C",
              (CLAIMS + "test_the_installed_app_turns_with_the_phone",)),
    Criterion("13.10", "Un geste compliqué a toujours un geste simple à la place.", "NA", NO_GESTURE,
              "Le site ne demande aucun geste compliqué."),
    Criterion("13.11", "Une action au doigt ou à la souris peut être annulée.", "C",
              (CLAIMS + "test_actions_start_when_the_finger_is_lifted",)),
    Criterion("13.12", "Une action faite en bougeant le téléphone a une autre solution.", "NA", NO_GESTURE,
              "Le site n'utilise pas les mouvements du téléphone."),
)


def summary() -> dict:
    """Counts by status; `rate` is the share of «C» among the criteria assessed and applicable
    (C + NC), as a whole percent, or None when there are none; `evaluated` is C + NC + NA."""
    counts = {status: sum(1 for c in CRITERIA if c.status == status) for status in STATUSES}
    assessed = counts["C"] + counts["NC"]
    rate = int(100 * counts["C"] / assessed) if assessed else None
    return {"total": len(CRITERIA), **counts, "rate": rate,
            "evaluated": counts["C"] + counts["NC"] + counts["NA"]}
