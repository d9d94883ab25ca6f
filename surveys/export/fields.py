"""The columns of one exported table (one survey), with labels for SPSS, Stata and the codebook.

A table is one row per response. Answers become one column per question
(Likert, 0-10 and yes/no as integers with value labels; a single choice as the
option's key; a multiple choice as one 0/1 column per option); free text only
when comments were requested. Names fit Stata (at most 32 characters).

A missing value carries a code of :mod:`surveys.export.missing` (numbers, and
coded text as the code's digits); free text (round, pseudonym, comment) is
blank when missing. ``measure`` is SPSS's measurement level.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from surveys.definitions import Question, SurveyDefinition
from surveys.domain.vocab import GENDER_GROUPS, ROLES
from surveys.export.quasi import DEMOGRAPHIC_QUESTIONS

#: A blank cell: a missing free-text value (coded columns carry a missing code instead).
MISSING = ""
#: The period column is named for the level of generalisation the release reached.
PERIOD_NAMES = ("month", "quarter", "year")
_PERIOD_TITLES = {
    "month": "Month the survey was answered (YYYY-MM)",
    "quarter": "Quarter the survey was answered (YYYY-Qn)",
    "year": "Year the survey was answered (YYYY)",
}
#: Quasi-identifiers whose values are ordered (SPSS measure "ordinal").
_ORDERED = {"month", "level_band", "tenure_band"}


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
    #: SPSS measurement level: "nominal", "ordinal" or "scale".
    measure: str = "nominal"
    #: The survey versions that ask it (empty: every version, e.g. metadata).
    versions: tuple[int, ...] = ()
    #: Option labels of a coded text column (key -> label), for the codebook.
    option_labels: dict[str, str] = field(default_factory=dict)

    @property
    def coded(self) -> bool:
        """A categorical text column carrying missing codes (a labelled number in .sav/.dta)."""
        return self.type == "string" and self.source[0] in ("qi", "choice")

    @property
    def free_text(self) -> bool:
        """Text written as given: blank when missing, no codes."""
        return self.type == "string" and not self.coded


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
#: The cohort value of a response whose attribute the mixer generalised (merged upward)
#: so that its batch held k people (surveys.db.models.GENERALISED).
GENERALISED = "*"
GENERALISED_LABEL = "any (generalised to reach k people)"
#: What ``*`` means, for the codebook and the bundle's README.
GENERALISED_NOTE = (
    "The value * in role, level_band, tenure_band or gender_group means 'any value': the "
    "response's attribute was generalised before it was stored, because its group (one "
    "cohort cell of one period) held fewer than k people and was merged with the cells "
    "of the other values of that attribute. Such a response may have any value of the "
    "attribute, including one shown in other rows; * is not a category of its own and is "
    "not missing. It is labelled 'any (generalised to reach k people)' in the .sav and "
    ".dta files."
)


def _name(*parts: str) -> str:
    return "_".join(parts)[:32]


def _question_fields(q: Question, with_comments: bool) -> list[Field]:
    if q.is_scalar:
        lo, hi = q.value_range
        labels: dict[int, str] = {}
        if q.kind.labelled:
            labels = {i + 1: label for i, label in enumerate(q.labels)}
        elif q.type == "yes_no":
            labels = {0: "No", 1: "Yes"}
        else:
            labels = {v: t for v, t in ((lo, q.low_label), (hi, q.high_label)) if t}
        measure = q.kind.measure
        return [
            Field(
                _name(q.key),
                "integer",
                q.text,
                q.help,
                labels,
                (),
                lo,
                hi,
                ("value", q.key),
                measure,
            )
        ]
    option_labels = {o.key: o.label for o in q.options}
    if q.type == "single_choice":
        if q.key in DEMOGRAPHIC_QUESTIONS:
            return [
                Field(
                    _name(q.key),
                    "string",
                    q.text,
                    QI_NOTE,
                    source=("qi", q.key),
                    option_labels=option_labels,
                )
            ]
        options = "; ".join(f"{o.key} = {o.label}" for o in q.options)
        return [
            Field(
                _name(q.key),
                "string",
                q.text,
                options,
                enum=q.option_keys(),
                source=("choice", q.key),
                option_labels=option_labels,
            )
        ]
    if q.type == "multi_choice":
        return [
            Field(
                _name(q.key, o.key),
                "integer",
                f"{q.text} {o.label}",
                "1 = chosen, 0 = not chosen",
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
    definitions: list[SurveyDefinition],
    *,
    pseudonyms: bool,
    with_comments: bool,
    period: str = "month",
) -> list[Field]:
    """The columns of a survey's table, over every version of it in the export; the
    period column is named ``period`` (month, quarter or year: what it holds)."""
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
        Field(
            "survey_version",
            "integer",
            "Survey version",
            "See the versions table of the codebook.",
            source=("meta", "survey_version"),
        )
    )
    fields.append(
        Field(
            "round",
            "string",
            "Survey round (climate surveys)",
            "Blank for pulse surveys (they have no round).",
            source=("meta", "round"),
        )
    )
    for n, t in QI_FIELDS:
        measure = "ordinal" if n in _ORDERED else "nominal"
        if n == "month":
            fields.append(
                Field(
                    period,
                    "string",
                    _PERIOD_TITLES[period],
                    QI_NOTE,
                    source=("qi", n),
                    measure=measure,
                )
            )
        else:
            fields.append(Field(n, "string", t, QI_NOTE, source=("qi", n), measure=measure))
    seen: dict[str, int] = {f.name: i for i, f in enumerate(fields)}
    asked: dict[str, set[int]] = {}
    for definition in sorted(definitions, key=lambda d: -d.version):
        for q in definition.questions:
            for f in _question_fields(q, with_comments):
                asked.setdefault(f.name, set()).add(definition.version)
                if f.name not in seen:
                    seen[f.name] = len(fields)
                    fields.append(f)
    return [
        replace(f, versions=tuple(sorted(asked[f.name]))) if f.name in asked else f for f in fields
    ]


#: Where a released quasi-identifier value sorts (bands in order, then their coarsenings).
_RANK = {
    v: i
    for i, v in enumerate(
        (*ROLES, "participant", "junior", "mid", "junior-mid", "senior")
        + ("<2y", "2-5y", "<5y", "5-10y", "10y+", "5y+", *GENDER_GROUPS, "another-undisclosed")
    )
}


def with_categories(fields: list[Field], categories: dict[str, set[str]]) -> list[Field]:
    """The fields with each quasi-identifier's enum: the values its rows released, in order
    (bands by rank, an answer's options in the question's order, the rest sorted)."""
    out = []
    for f in fields:
        if f.name in categories and f.source[0] == "qi":
            options = list(f.option_labels)
            rank = {v: i for i, v in enumerate(options)} if options else _RANK
            enum = sorted(categories[f.name], key=lambda v: (rank.get(v, len(rank)), v))
            f = replace(f, enum=tuple(enum))
            if GENERALISED in enum:  # '*' gets its label in the codebook, .sav and .dta
                f = replace(f, option_labels={**f.option_labels, GENERALISED: GENERALISED_LABEL})
        out.append(f)
    return out
