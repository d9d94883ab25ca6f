"""Survey definitions in several languages: the shipped instruments carry every
shipped language, and a language that asks something else is refused."""

from __future__ import annotations

import pytest

from surveys.definitions import DefinitionError, catalogue, parse_definition
from surveys.languages import LANGUAGES

BASE = """
key = "mentor_pulse"
version = 2
kind = "pulse"
audience = "mentor"
title = "Session"

[[questions]]
key = "spoke_openly"
type = "likert5"
text = "I could speak openly."

[[questions]]
key = "topics"
type = "multi_choice"
text = "Topics?"
required = false
options = [{ key = "technology", label = "Technology" }, { key = "other", label = "Other" }]

[[questions]]
key = "recommend"
type = "scale0_10"
text = "Recommend?"
low_label = "Not at all"
high_label = "Very"
"""

FRENCH = """
[languages.fr]
title = "Séance"
[languages.fr.questions.spoke_openly]
text = "J'ai pu m'exprimer librement."
[languages.fr.questions.topics]
text = "Sujets ?"
options = { technology = "Technologies", other = "Autre" }
[languages.fr.questions.recommend]
text = "Recommanderiez-vous ?"
low_label = "Pas du tout"
high_label = "Tout à fait"
"""


def test_a_translated_definition_keeps_keys_and_order_and_changes_only_the_words() -> None:
    definition = parse_definition(BASE + FRENCH, "mentor_pulse.v2.toml")
    assert definition.languages == ("en", "fr")
    french = definition.in_language("fr")
    assert french.language == "fr" and french.title == "Séance"
    assert [q.key for q in french.questions] == [q.key for q in definition.questions]
    assert french.question("topics").option_keys() == ("technology", "other")
    assert french.question("topics").options[0].label == "Technologies"
    assert french.question("spoke_openly").labels[0] == "Pas du tout d'accord"
    assert french.question("recommend").low_label == "Pas du tout"
    assert french != definition  # a page rendered for one is never served for the other
    # A language the file does not have falls back to the English as written.
    assert definition.in_language("de") is definition


def test_the_shipped_instruments_carry_every_shipped_language_with_the_same_questions() -> None:
    for definition in catalogue().all():
        assert definition.languages == LANGUAGES, definition.key
        for language in LANGUAGES[1:]:
            translated = definition.in_language(language)
            assert translated.title != definition.title
            for english, other in zip(definition.questions, translated.questions, strict=True):
                assert (other.key, other.type, other.option_keys()) == (
                    english.key,
                    english.type,
                    english.option_keys(),
                )
                assert other.text and other.text != english.text
                assert all(o.label for o in other.options)
                assert bool(other.help) == bool(english.help)
                assert bool(other.low_label) == bool(english.low_label)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace(
                "[languages.fr.questions.spoke_openly]\ntext = \"J'ai pu m'exprimer librement.\"\n",
                "",
            ),
            "language 'fr': must have the same questions as the survey; missing: spoke_openly",
        ),
        (
            lambda t: t + '[languages.fr.questions.extra]\ntext = "En plus ?"\n',
            "must have the same questions as the survey; not in the survey: extra",
        ),
        (
            lambda t: t.replace('other = "Autre"', 'autre = "Autre"'),
            "question 'topics': field 'options': language 'fr': must have the same options as"
            " the survey; missing: other; not in the survey: autre",
        ),
        (
            lambda t: t.replace('options = { technology = "Technologies", other = "Autre" }', ""),
            "field 'options': language 'fr': must give a label for every option",
        ),
        (
            lambda t: t.replace('low_label = "Pas du tout"\n', ""),
            "field 'low_label': language 'fr': is missing: the English has it",
        ),
        (
            lambda t: t.replace("[languages.fr]", "[languages.it]").replace(
                "languages.fr.", "languages.it."
            ),
            "language 'it' is not one of fr, de, es",
        ),
        (
            lambda t: t.replace('text = "Sujets ?"', 'text = "Sujets ?"\nhelp = "Aide"'),
            "field 'help': language 'fr': is given but the English has none",
        ),
    ],
)
def test_a_language_that_asks_something_else_is_refused_with_a_clear_message(
    change: object, message: str
) -> None:
    assert callable(change)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(BASE + change(FRENCH), "mentor_pulse.v2.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("mentor_pulse.v2.toml")


def test_every_shipped_language_has_default_likert_labels_and_nothing_else_does() -> None:
    from surveys.definitions.model import LIKERT_LABELS_BY_LANGUAGE
    from surveys.languages import LANGUAGES, NAMES

    assert tuple(NAMES) == LANGUAGES
    assert set(LIKERT_LABELS_BY_LANGUAGE) == set(LANGUAGES)
    assert all(len(labels) == 5 for labels in LIKERT_LABELS_BY_LANGUAGE.values())
