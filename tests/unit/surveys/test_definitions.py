"""Survey definition files: the shipped instruments, and errors that name the culprit."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from surveys.definitions import Catalogue, DefinitionError, catalogue, parse_definition
from webapp.cli.surveys import surveys_cli

PULSE = """
key = "mentor_pulse"
version = 2
kind = "pulse"
audience = "mentor"
title = "Session"
{extra}
[[questions]]
key = "spoke_openly"
type = "likert5"
text = "I could speak openly."

[[questions]]
key = "topics"
type = "multi_choice"
text = "Topics?"
required = false
options = [{{ key = "technology", label = "Technology" }}, {{ key = "other", label = "Other" }}]

[[questions]]
{third}
"""
GOOD_THIRD = 'key = "recommend"\ntype = "scale0_10"\ntext = "Recommend?"'


def test_the_three_shipped_instruments_load_and_validate() -> None:
    shipped = catalogue()
    mentor, mentee = shipped.pulse_for("mentor"), shipped.pulse_for("mentee")
    climate = shipped.current("climate")
    assert (mentor.audience, mentee.audience, climate.audience) == ("mentor", "mentee", "everyone")
    for pulse in (mentor, mentee):
        assert 3 <= len(pulse.questions) <= 6
        topics = pulse.question("topics").option_keys()
        assert {
            "flexible_working",
            "technology",
            "diversity_inclusion",
            "client_expectations",
            "generational_change",
            "wellbeing",
            "career_progression",
            "other",
        } <= set(topics)
        assert pulse.question("recommend_programme").type == "scale0_10"
        assert pulse.question("comment").type == "text" and not pulse.question("comment").required
    keys = {q.key for q in climate.questions}
    assert {
        "belonging",
        "can_progress",
        "flexible_without_stigma",
        "leaders_understand",
        "intend_to_stay",
        "recommend_firm",
        "gender",
    } <= keys
    assert "prefer_not_to_say" in climate.question("gender").option_keys()
    # Under three minutes: at most about 12 closed questions at ~10 s each plus a comment.
    assert len(climate.questions) <= 12


def test_a_good_new_version_parses() -> None:
    definition = parse_definition(PULSE.format(extra="", third=GOOD_THIRD), "mentor_pulse.v2.toml")
    assert definition.version == 2
    assert definition.question("spoke_openly").labels[0] == "Strongly disagree"


@pytest.mark.parametrize(
    ("third", "extra", "file", "question", "field"),
    [
        (
            'key = "recommend"\ntype = "slider"\ntext = "x"',
            "",
            "mentor_pulse.v2.toml",
            "recommend",
            "type",
        ),
        (
            'key = "recommend"\ntype = "single_choice"\ntext = "x"\noptions = []',
            "",
            "mentor_pulse.v2.toml",
            "recommend",
            "options",
        ),
        (
            'key = "comment"\ntype = "text"\ntext = "x"\nmax_length = 0\nrequired = false',
            "",
            "mentor_pulse.v2.toml",
            "comment",
            "max_length",
        ),
        (
            'key = "Bad Key"\ntype = "yes_no"\ntext = "x"',
            "",
            "mentor_pulse.v2.toml",
            "Bad Key",
            "key",
        ),
        (
            'key = "recommend"\ntype = "likert5"\ntext = "x"\nlabels = ["a", "b"]',
            "",
            "mentor_pulse.v2.toml",
            "recommend",
            "labels",
        ),
        (
            'key = "spoke_openly"\ntype = "yes_no"\ntext = "again"',
            "",
            "mentor_pulse.v2.toml",
            "spoke_openly",
            "key",
        ),
        (
            'key = "recommend"\ntype = "yes_no"\ntext = "x"\ncolour = "red"',
            "",
            "mentor_pulse.v2.toml",
            "recommend",
            "colour",
        ),
        (GOOD_THIRD, 'audience = "partner"', "mentor_pulse.v2.toml", None, None),
        (GOOD_THIRD, "", "mentor_pulse.v3.toml", None, "version"),
    ],
)
def test_a_bad_file_fails_naming_the_file_question_and_field(
    third: str, extra: str, file: str, question: str | None, field: str | None
) -> None:
    text = PULSE.format(extra="", third=third)
    if extra:  # a duplicated top-level key is itself invalid TOML, so replace instead
        text = text.replace('audience = "mentor"', extra)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, file)
    message = str(caught.value)
    assert message.startswith(file)
    if question is not None:
        assert f"question {question!r}" in message
    if field is not None:
        assert f"field {field!r}" in message


def test_a_pulse_with_too_many_questions_is_refused() -> None:
    extra_questions = "\n".join(
        f'[[questions]]\nkey = "q{i}"\ntype = "yes_no"\ntext = "q{i}?"\n' for i in range(5)
    )
    text = PULSE.format(extra="", third=GOOD_THIRD) + extra_questions
    with pytest.raises(DefinitionError, match="3 to 6"):
        parse_definition(text, "mentor_pulse.v2.toml")


def test_invalid_toml_names_the_file() -> None:
    with pytest.raises(DefinitionError, match=r"^broken\.v1\.toml: is not valid TOML"):
        parse_definition("key = ", "broken.v1.toml")


def test_surveys_check_passes_on_the_shipped_files_and_fails_on_a_bad_one(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(surveys_cli, ["check"])
    assert ok.exit_code == 0 and "mentor_pulse.v1.toml" in ok.output
    (tmp_path / "mentor_pulse.v2.toml").write_text(
        PULSE.format(extra="", third='key = "recommend"\ntype = "slider"\ntext = "x"')
    )
    bad = runner.invoke(surveys_cli, ["check", "--folder", str(tmp_path)])
    assert bad.exit_code == 1
    assert "mentor_pulse.v2.toml: question 'recommend': field 'type'" in bad.output


def test_the_catalogue_serves_the_highest_version_as_current(tmp_path: Path) -> None:
    (tmp_path / "mentor_pulse.v2.toml").write_text(PULSE.format(extra="", third=GOOD_THIRD))
    (tmp_path / "mentor_pulse.v1.toml").write_text(
        PULSE.format(extra="", third=GOOD_THIRD).replace("version = 2", "version = 1")
    )
    found = Catalogue.from_folder(tmp_path)
    assert found.current("mentor_pulse").version == 2
    assert found.get("mentor_pulse", 1).version == 1
