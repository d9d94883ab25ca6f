"""The one plain-text size of every sealed submission of a survey version.

A sealed row may be tied to its invitation (it is written in the statement
that claims it), so its length must tell nothing about what was answered
(PRODUCT.md 2.3). Every plain text of one survey version is therefore padded to
the same size: the length of the largest plain text the version admits, found
by encoding its worst case -- every question answered with its longest value
(every option of a multiple choice, the longest option key, the widest number),
every comment at its maximum length in the widest character (4 bytes in UTF-8;
answer validation refuses the control characters JSON would escape wider), the
largest identifiers (64-bit), the longest cohort bands and period, and full
length person tag and pseudonym (hex HMAC-SHA256 digests).

A plain text longer than its version's size is refused (:class:`TooLarge`)
rather than sealed at a telling length; answer validation makes that
impossible for any submission the survey accepts.
"""

from __future__ import annotations

import json
from typing import Any

from surveys.definitions import Question, SurveyDefinition
from surveys.domain.vocab import GENDER_GROUPS, LEVEL_BANDS, ROLES, TENURE_BANDS

#: The largest database identifier (PostgreSQL bigint): 19 digits.
MAX_ID = 2**63 - 1
#: A person tag or pseudonym: a hex HMAC-SHA256 digest.
DIGEST = "f" * 64
#: The widest character a comment may hold: outside the BMP, 4 bytes in UTF-8,
#: written as it is by JSON (``ensure_ascii=False``).
WIDEST = "\U0010fffd"
#: A comment character's most bytes in the sealed plain text.
BYTES_PER_CHARACTER = 4


Row = tuple[str, str, int | None, str | None]


class TooLarge(ValueError):
    """A plain text longer than its survey version's fixed sealed size."""


def _longest(values: tuple[str, ...]) -> str:
    return max(values, key=lambda v: len(json.dumps(v, ensure_ascii=False).encode()))


def worst_rows(question: Question) -> list[Row]:
    """The answer rows of ``question`` whose encoding is the longest it admits."""
    if question.type == "text":
        return [(question.key, "", None, WIDEST * question.max_length)]
    if question.type == "multi_choice":
        return [(question.key, option, None, None) for option in question.option_keys()]
    if question.type == "single_choice":
        return [(question.key, _longest(question.option_keys()), None, None)]
    low, high = question.value_range
    return [(question.key, "", max(range(low, high + 1), key=lambda v: len(str(v))), None)]


def worst_case(definition: SurveyDefinition) -> dict[str, Any]:
    """The fields of the largest submission ``definition``'s version admits
    (:class:`surveys.intake.sealing.Submission`'s, answers as plain rows)."""
    role, level, tenure, gender = (
        _longest(values) for values in (ROLES, LEVEL_BANDS, TENURE_BANDS, GENDER_GROUPS)
    )
    return {
        "survey_key": definition.key,
        "survey_version": definition.version,
        "firm_id": MAX_ID,
        "programme_id": MAX_ID,
        "round_id": MAX_ID,
        "role": role,
        "level_band": level,
        "tenure_band": tenure,
        "gender_group": gender,
        "period": f"round:{MAX_ID}",
        "tag": DIGEST,
        "pseudonym": DIGEST,
        "person": DIGEST,
        "answers": [row for question in definition.questions for row in worst_rows(question)],
    }
