"""The scale library: shipped files validate, scoring follows keys and subscales,
bad files fail naming the file and field, and a firm's folder adds licensed scales."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.definitions import DefinitionError
from surveys.definitions.scale_library import ScaleLibrary, firm_scales_folder
from surveys.definitions.scale_loader import SHIPPED_SCALES_DIR, parse_scale
from surveys.definitions.scale_model import OPEN_LICENCES
from surveys.languages import LANGUAGES

FILE = "team_voice.v1.toml"
GOOD = """
key = "team_voice"
version = 1
title = "Team voice"
citation = "Example Firm (2026). Team voice, internal."
licence = "CC0-1.0"
licence_terms = "Public domain dedication."
validated = false
[[subscales]]
key = "speak"
title = "Speaking up"
[[subscales]]
key = "heard"
title = "Being heard"
[[items]]
key = "speak_up"
subscale = "speak"
text = "I speak up."
[[items]]
key = "stay_quiet"
subscale = "speak"
reverse = true
text = "I stay quiet."
[[items]]
key = "listened_to"
subscale = "heard"
text = "I am listened to."
"""


def test_every_shipped_scale_loads_with_open_terms_and_every_language() -> None:
    scales = ScaleLibrary.load().all()
    assert scales, "no shipped scale"
    assert len(scales) == len(list(SHIPPED_SCALES_DIR.glob("*.toml")))
    for scale in scales:
        assert scale.licence in OPEN_LICENCES and scale.licence_terms and scale.citation
        assert set(scale.languages) == set(LANGUAGES), scale.key
        for language in LANGUAGES:
            translated = scale.in_language(language)
            assert [i.key for i in translated.items] == [i.key for i in scale.items]
            assert [i.reverse for i in translated.items] == [i.reverse for i in scale.items]
            if language != "en":
                assert translated.items[0].text != scale.items[0].text


def test_scores_turn_reverse_items_round_and_score_each_subscale() -> None:
    scale = parse_scale(GOOD, FILE)
    scores = scale.score({"speak_up": 4, "stay_quiet": 2, "listened_to": 1})
    assert scores == {"total": (4 + 4 + 1) / 3, "speak": 4.0, "heard": 1.0}
    assert scale.score({"speak_up": 4, "stay_quiet": None, "listened_to": 1}) == {
        "total": None,
        "speak": None,
        "heard": 1.0,
    }
    with pytest.raises(ValueError, match="stay_quiet"):
        scale.score({"speak_up": 4, "stay_quiet": 6, "listened_to": 1})
    asked = scale.questions()
    assert [q.type for q in asked] == ["likert5"] * 3 and all(q.required for q in asked)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('licence = "CC0-1.0"', 'licence = "all-rights-reserved"', "field 'licence'"),
        ('licence = "CC0-1.0"', 'licence = "firm-licensed"', "does not allow a scale shipped"),
        ('licence_terms = "Public domain dedication."', "", "field 'licence_terms'"),
        ('citation = "Example Firm (2026). Team voice, internal."', "", "field 'citation'"),
        ("validated = false", 'validated = "yes"', "field 'validated'"),
        ("version = 1", "version = true", "field 'version'"),
        ('subscale = "heard"', 'subscale = "other"', "item 'listened_to': field 'subscale'"),
        ("reverse = true", 'reverse = "yes"', "item 'stay_quiet': field 'reverse'"),
        ('key = "listened_to"', 'key = "speak_up"', "'speak_up' appears twice"),
        ('key = "team_voice"', 'key = "voice"', "field 'key'"),
        ('title = "Being heard"', 'title = "Being heard"\ncolour = "red"', "'subscales.colour'"),
    ],
)
def test_a_bad_scale_file_names_the_file_and_the_field(old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(DefinitionError) as caught:
        parse_scale(GOOD.replace(old, new, 1), FILE)
    assert str(caught.value).startswith(FILE)
    assert message in str(caught.value)


def test_two_items_are_too_few_for_a_scale() -> None:
    short = GOOD.split('[[items]]\nkey = "listened_to"')[0].replace(
        '[[subscales]]\nkey = "heard"\ntitle = "Being heard"\n', ""
    )
    with pytest.raises(DefinitionError, match="field 'items': must list 3 to 40 items"):
        parse_scale(short, FILE)


def test_a_translation_must_give_exactly_the_items() -> None:
    table = '\n[languages.fr]\ntitle = "Voix"\n[languages.fr.items]\nspeak_up = "Je parle."\n'
    with pytest.raises(DefinitionError, match="language 'fr'.*exactly the items"):
        parse_scale(GOOD + table, FILE)
    with pytest.raises(DefinitionError, match="language 'xx'"):
        parse_scale(GOOD + table.replace("fr", "xx"), FILE)
    full = table + 'stay_quiet = "Je me tais."\nlistened_to = "On m\'écoute."\n'
    french = parse_scale(GOOD + full, FILE).in_language("fr")
    assert french.items[1].text == "Je me tais." and french.labels[0] == "Pas du tout d'accord"


def test_a_firm_adds_its_own_licensed_scale_from_its_folder(tmp_path: Path) -> None:
    firm = GOOD.replace('licence = "CC0-1.0"', 'licence = "firm-licensed"')
    (tmp_path / FILE).write_text(firm, encoding="utf-8")
    with pytest.raises(DefinitionError, match="field 'licence_holder'"):
        ScaleLibrary.load(tmp_path)
    (tmp_path / FILE).write_text(
        firm.replace("validated = false", 'validated = true\nlicence_holder = "Example LLP"'),
        encoding="utf-8",
    )
    library = ScaleLibrary.load(firm_scales_folder({"FLIPSIDE_SCALES_DIR": str(tmp_path)}))
    assert library.current("team_voice").licence == "firm-licensed"
    assert library.current("flipside_inclusion_climate").version == 1
    assert firm_scales_folder({}) is None
    with pytest.raises(DefinitionError, match="FLIPSIDE_SCALES_DIR"):
        firm_scales_folder({"FLIPSIDE_SCALES_DIR": str(tmp_path / "missing")})


def test_a_firm_scale_cannot_replace_a_shipped_one(tmp_path: Path) -> None:
    shipped = SHIPPED_SCALES_DIR / "flipside_inclusion_climate.v1.toml"
    (tmp_path / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="is a shipped scale"):
        ScaleLibrary.load(tmp_path)
