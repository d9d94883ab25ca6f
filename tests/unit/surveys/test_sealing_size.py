"""Fixed-size sealing (PRODUCT.md 2.3, issue 22): every sealed submission of a survey
version has one length, the largest plain text the version admits fits it exactly,
and one byte more is refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import PrivateKey, SealedBox

from surveys.definitions import SurveyDefinition, catalogue
from surveys.domain.answers import MAX_COMMENT_BYTES, InvalidAnswers, validate_answers
from surveys.intake.padding import DIGEST, MAX_ID, WIDEST, TooLarge
from surveys.intake.sealing import (
    Opener,
    SealedAnswer,
    Submission,
    encode_plain,
    plain_size,
    seal,
)

KEY = PrivateKey.generate()
SHIPPED = sorted(catalogue()._by_version.values(), key=lambda d: (d.key, d.version))
OVERHEAD = 48  # ephemeral public key and MAC


def worst_raw(definition: SurveyDefinition) -> dict[str, list[str]]:
    """Form values answering every question with its longest value, as a browser sends
    them: every option, the widest number, comments at their maximum in 4-byte characters."""
    raw: dict[str, list[str]] = {}
    for q in definition.questions:
        if q.type == "text":
            raw[q.key] = [WIDEST * q.max_length]
        elif q.type == "multi_choice":
            raw[q.key] = list(q.option_keys())
        elif q.type == "single_choice":
            raw[q.key] = [max(q.option_keys(), key=lambda k: len(k.encode()))]
        elif q.type == "yes_no":
            raw[q.key] = ["yes"]
        else:
            raw[q.key] = [str(q.value_range[1])]
    return raw


def submission(
    definition: SurveyDefinition, raw: dict[str, list[str]], **envelope: object
) -> Submission:
    rows = validate_answers(definition, raw)
    fields: dict[str, object] = {
        "survey_key": definition.key,
        "survey_version": definition.version,
        "firm_id": 1,
        "programme_id": 1,
        "round_id": None,
        "role": "mentor",
        "level_band": "mid",
        "tenure_band": "<2y",
        "gender_group": "man",
        "period": "2026-W07",
        "tag": "t",
        "pseudonym": None,
        "answers": tuple(SealedAnswer(r.question_key, r.item, r.value, r.text) for r in rows),
    }
    return Submission(**{**fields, **envelope})  # type: ignore[arg-type]


WORST_ENVELOPE: dict[str, object] = {
    "firm_id": MAX_ID,
    "programme_id": MAX_ID,
    "round_id": MAX_ID,
    "role": "comparison",
    "level_band": "senior",
    "tenure_band": "5-10y",
    "gender_group": "undisclosed",
    "period": f"round:{MAX_ID}",
    "tag": DIGEST,
    "pseudonym": DIGEST,
    "person": DIGEST,  # the programme-scoped person tag (exact people counts)
}


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: f"{d.key}.v{d.version}")
def test_the_worst_case_fits_exactly_and_one_byte_more_is_refused(
    definition: SurveyDefinition,
) -> None:
    worst = submission(definition, worst_raw(definition), **WORST_ENVELOPE)
    assert len(encode_plain(worst)) == plain_size(definition)
    sealed = seal(bytes(KEY.public_key), worst, definition)
    assert len(sealed) == plain_size(definition) + OVERHEAD
    assert Opener(bytes(KEY)).open(sealed) == worst
    with pytest.raises(TooLarge):
        seal(bytes(KEY.public_key), replace(worst, tag=DIGEST + "0"), definition)


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: f"{d.key}.v{d.version}")
def test_every_submission_of_a_version_seals_to_one_length(definition: SurveyDefinition) -> None:
    required = {q.key: worst_raw(definition)[q.key] for q in definition.questions if q.required}
    small = submission(definition, required)
    large = submission(definition, worst_raw(definition), **WORST_ENVELOPE)
    lengths = {len(seal(bytes(KEY.public_key), s, definition)) for s in (small, large)}
    assert lengths == {plain_size(definition) + OVERHEAD}
    assert len(encode_plain(small)) < plain_size(definition) // 2  # the padding is real


def test_a_comment_is_bounded_in_characters_and_in_utf8_bytes() -> None:
    definition = catalogue().get("mentor_pulse", 1)
    comment = definition.question("comment")
    base = {k: v for k, v in worst_raw(definition).items() if k != "comment"}
    longest = WIDEST * comment.max_length
    (row,) = [r for r in validate_answers(definition, {**base, "comment": [longest]}) if r.text]
    assert row.text is not None and len(row.text.encode()) == MAX_COMMENT_BYTES * comment.max_length
    with pytest.raises(InvalidAnswers, match="500 characters at most \\(it has 501\\)"):
        validate_answers(definition, {**base, "comment": [longest + "a"]})
    # A browser's maxlength counts a line break once and sends it as CR LF.
    sent = "a\r\n" * 250
    (row,) = [r for r in validate_answers(definition, {**base, "comment": [sent]}) if r.text]
    assert row.text == "a\n" * 249 + "a"
    for invisible in ("\x01", "\x1b", "\x85", "\ud800"):  # JSON would escape them wider
        with pytest.raises(InvalidAnswers, match="invisible control characters"):
            validate_answers(definition, {**base, "comment": [f"a{invisible}b"]})


def test_rows_sealed_in_the_former_format_still_open() -> None:
    """Format 1: the same JSON padded to a multiple of 256 bytes."""
    definition = catalogue().get("mentee_pulse", 1)
    current = submission(definition, worst_raw(definition))
    data = json.loads(encode_plain(current))
    data[0] = 1
    plain = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    former = bytes(SealedBox(KEY.public_key).encrypt(plain + b" " * (-len(plain) % 256)))
    assert Opener(bytes(KEY)).open(former) == current


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_an_accepted_comment_takes_at_most_four_bytes_a_character_in_the_sealed_json(
    text: str,
) -> None:
    """Whatever a participant types: if it is accepted, its sealed JSON string (without
    its quotes) is at most MAX_COMMENT_BYTES bytes per character, so the worst case holds."""
    definition = catalogue().get("mentor_pulse", 1)
    base = {k: v for k, v in worst_raw(definition).items() if k != "comment"}
    try:
        rows = validate_answers(definition, {**base, "comment": [text]})
    except InvalidAnswers:
        return
    for row in rows:
        if row.text is not None:
            encoded = json.dumps(row.text, ensure_ascii=False).encode()
            assert len(encoded) - 2 <= MAX_COMMENT_BYTES * len(row.text)
