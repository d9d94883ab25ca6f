"""The columns of one exported table (one survey), with labels for SPSS, Stata and the codebook.

A table is one row per response. Answers become one column per question
(Likert, 0-10 and yes/no as integers with value labels; a single choice as the
option's key; a multiple choice as one 0/1 column per option); free text only
when comments were requested. Names fit Stata (at most 32 characters).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.definitions import Question, SurveyDefinition
from surveys.export.quasi import DEMOGRAPHIC_QUESTIONS

#: Every blank cell means "missing" (not asked, not answered, or suppressed).
MISSING = ""


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "integer" or "string"
    title: str
    description: str = ""
    value_labels: dict[int, str] = field(default_factory=dict)
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    #: What fills it: ("meta", name), ("qi", name), ("value", question),
    #: ("choice", question), ("item", question, option) or ("text", question).
    source: tuple[str, ...] = ()


QI_FIELDS = (
    ("firm", "Firm (its short name)"),
    ("programme", "Programme id"),
    ("month", "Month the survey was answered (or a coarser period)"),
    ("role", "Role in the programme when answering"),
    ("level_band", "Level band when answering"),
    ("tenure_band", "Years of service band when answering"),
    ("gender_group", "Gender group (from HR data) when answering"),
)
QI_NOTE = "Quasi-identifier: may be generalised or blanked by disclosure control."


def _name(*parts: str) -> str:
    return "_".join(parts)[:32]


def _question_fields(q: Question, with_comments: bool) -> list[Field]:
    if q.is_scalar:
        lo, hi = q.value_range
        labels: dict[int, str] = {}
        if q.type == "likert5":
            labels = {i + 1: label for i, label in enumerate(q.labels)}
        elif q.type == "yes_no":
            labels = {0: "No", 1: "Yes"}
        else:
            labels = {v: t for v, t in ((lo, q.low_label), (hi, q.high_label)) if t}
        return [
            Field(_name(q.key), "integer", q.text, q.help, labels, (), lo, hi, ("value", q.key))
        ]
    if q.type == "single_choice":
        if q.key in DEMOGRAPHIC_QUESTIONS:
            return [Field(_name(q.key), "string", q.text, QI_NOTE, source=("qi", q.key))]
        options = "; ".join(f"{o.key} = {o.label}" for o in q.options)
        return [
            Field(
                _name(q.key),
                "string",
                q.text,
                options,
                enum=q.option_keys(),
                source=("choice", q.key),
            )
        ]
    if q.type == "multi_choice":
        return [
            Field(
                _name(q.key, o.key),
                "integer",
                f"{q.text} {o.label}",
                "1 = chosen, 0 = not chosen; blank = question not answered",
                {0: "Not chosen", 1: "Chosen"},
                (),
                0,
                1,
                ("item", q.key, o.key),
            )
            for o in q.options
        ]
    if with_comments:
        return [
            Field(
                _name(q.key),
                "string",
                q.text,
                "Masked free text (e-mail addresses, phone numbers and names replaced); "
                "blank where the respondent's group is below the comment threshold.",
                source=("text", q.key),
            )
        ]
    return []


def table_fields(
    definitions: list[SurveyDefinition], *, pseudonyms: bool, with_comments: bool
) -> list[Field]:
    """The columns of a survey's table, over every version of it in the export."""
    fields = [
        Field(
            "row",
            "integer",
            "Row number in this export",
            "Carries no order of submission and means nothing outside this export.",
            source=("meta", "row"),
        )
    ]
    if pseudonyms:
        fields.append(
            Field(
                "person",
                "string",
                "Per-export pseudonym",
                "The same person within this export; not linkable to any other export.",
                source=("meta", "person"),
            )
        )
    fields.append(
        Field("survey_version", "integer", "Survey version", source=("meta", "survey_version"))
    )
    fields.append(
        Field("round", "string", "Survey round (climate surveys)", source=("meta", "round"))
    )
    fields += [Field(n, "string", t, QI_NOTE, source=("qi", n)) for n, t in QI_FIELDS]
    seen: set[str] = {f.name for f in fields}
    for definition in sorted(definitions, key=lambda d: -d.version):
        for q in definition.questions:
            for f in _question_fields(q, with_comments):
                if f.name not in seen:
                    seen.add(f.name)
                    fields.append(f)
    return fields
