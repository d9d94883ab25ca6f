"""Survey-link tokens and answer validation: pure rules."""

from __future__ import annotations

import base64

import pytest

from surveys.definitions import catalogue
from surveys.domain.answers import InvalidAnswers, validate_answers
from surveys.mail import survey_links
from surveys.services.tokens import (
    hash_token,
    looks_like_token,
    met_token,
    new_salt,
    read_met_token,
    survey_token,
)

SECRET = "k" * 40


def test_a_survey_token_carries_128_bits_and_a_link_stays_under_80_characters() -> None:
    token = survey_token(SECRET, new_salt())
    assert len(base64.urlsafe_b64decode(token + "==")) == 16
    assert looks_like_token(token)
    link = survey_links("https://flipside.example-firm.com", token).survey
    assert len(link) < 80


def test_tokens_differ_per_salt_and_per_server_key_and_only_the_hash_is_stored() -> None:
    salt = new_salt()
    assert survey_token(SECRET, salt) != survey_token(SECRET, new_salt())
    assert survey_token(SECRET, salt) != survey_token("other" * 8, salt)
    assert hash_token(survey_token(SECRET, salt)) != survey_token(SECRET, salt)
    assert len(hash_token("x")) == 64


def test_a_we_met_token_is_authentic_and_tamper_evident() -> None:
    token = met_token(SECRET, 12, 34)
    assert read_met_token(SECRET, token) == (12, 34)
    forged = token.replace("12.34", "12.35", 1)
    assert read_met_token(SECRET, forged) is None
    assert read_met_token("another key, also long enough!!!", token) is None
    assert read_met_token(SECRET, "garbage") is None


MENTOR = catalogue().pulse_for("mentor")
GOOD = {
    "spoke_openly": ["4"],
    "mentee_engaged": ["5"],
    "good_use_of_time": ["3"],
    "topics": ["technology", "wellbeing"],
    "recommend_programme": ["10"],
    "comment": ["Useful"],
}


def test_valid_answers_become_one_row_per_value_or_chosen_option() -> None:
    rows = validate_answers(MENTOR, GOOD)
    by_key = {(r.question_key, r.item): r for r in rows}
    assert by_key[("spoke_openly", "")].value == 4
    assert {k[1] for k in by_key if k[0] == "topics"} == {"technology", "wellbeing"}
    assert by_key[("comment", "")].text == "Useful"


@pytest.mark.parametrize(
    ("change", "question"),
    [
        ({"spoke_openly": ["6"]}, "spoke_openly"),
        ({"spoke_openly": ["0"]}, "spoke_openly"),
        ({"spoke_openly": []}, "spoke_openly"),
        ({"spoke_openly": ["four"]}, "spoke_openly"),
        ({"spoke_openly": ["4", "5"]}, "spoke_openly"),
        ({"recommend_programme": ["11"]}, "recommend_programme"),
        ({"topics": ["golf"]}, "topics"),
        ({"comment": ["x" * 501]}, "comment"),
        ({"favourite_partner": ["Smith"]}, "favourite_partner"),
    ],
)
def test_bad_answers_are_refused_naming_the_question(
    change: dict[str, list[str]], question: str
) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(MENTOR, {**GOOD, **change})
    assert question in caught.value.errors


def test_optional_questions_may_be_left_blank() -> None:
    rows = validate_answers(MENTOR, {**GOOD, "topics": [], "comment": ["  "]})
    assert {r.question_key for r in rows} == {
        "spoke_openly",
        "mentee_engaged",
        "good_use_of_time",
        "recommend_programme",
    }
