"""The headline of a programme: "is it working?" on one screen, decided once per release.

Three kinds of numbers, each from released data only and each through
``surveys.disclosure``:

* **Pulse scores** per role (mentors' and mentees' session pulses), month by
  month from the same released cells the pulse page adds up
  (:func:`~surveys.reports.released_cells.candidate_cells`), each figure on the
  page's rule for it (:mod:`surveys.reports.headline_rules`): the share
  answering 4 or 5 on each Likert item (Wilson interval), the mean of the 0-10
  item and its net score (promoters 9-10 minus detractors 0-6, Rocks' adjusted
  Wald interval, :mod:`surveys.stats.net_score`). Every row is shown **as of one
  month** (:func:`as_of_month`: the latest month any row is shown in), beside
  the month before; a row hidden in that month shows as hidden with its reason,
  never an older month of its own. A role with fewer than k people enrolled is
  left out, as on the pulse page.
* **Climate scores**, everyone who answered the latest round against the round
  before, from the pooled released histograms the comparison builder reads
  (:func:`~surveys.reports.two_cohorts.released_histogram`, every role k or
  none): the climate index (mean of the item means), each item's share
  favourable and the eNPS of "recommend the firm".
* **Findings**: every comparison of the programme's evaluation plan
  (:mod:`surveys.services.plans`), in the plan's order, p corrected across the
  whole plan, run by the comparison builder itself
  (:mod:`surveys.reports.headline_findings`), so the sentence is the one its
  page shows.

Disclosure (:mod:`surveys.reports.headline_rules`): a figure the pages show
follows the page's rule; a net score is shown only when at least k fall
outside its largest group -- the same wording as any distribution; on pulses,
in people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme, SurveyRound
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE, catalogue
from surveys.definitions.model import Question
from surveys.reports import cache as release_cache
from surveys.reports import codec
from surveys.reports.builder.request import INDEX, climate_index_items
from surveys.reports.builder.sides import ALL_ROLES, climate_rounds
from surveys.reports.counts import enrolled_by_role
from surveys.reports.headline_findings import planned_findings
from surveys.reports.headline_months import Row, as_of_month, decided_months, figure_as_of
from surveys.reports.headline_rules import decide
from surveys.reports.headline_values import Card, Figure, Headline, Link
from surveys.reports.released_cells import ReleasedCellView, candidate_cells
from surveys.reports.shown_sums import everyone, figures_of
from surveys.reports.two_cohorts import released_histogram
from surveys.services.errors import Invalid
from surveys.services.plans import PlanState, plan_state

#: A before/after result counts as clear below this Holm-adjusted p.
CLEAR = 0.05

Histogram = Mapping[float, int]


def _pulse_rows(
    session: Session,
    programme: Programme,
    role: str,
    policy: disclosure.Policy,
    anchors: Counter[str],
) -> list[Row]:
    """One role's pulse rows, each month decided by the pulse page's rule for the figure."""
    survey_key = PULSE_FOR_ROLE[role]
    definition = catalogue().current(survey_key)
    fine = [
        c
        for c in candidate_cells(session, programme.id, policy, survey_key=survey_key, whole=True)
        if c.survey_version == definition.version and c.period_kind == "month"
    ]
    # As on the pulse page: each month over every cohort, with its exact people.
    cells = everyone(fine, figures_of(session, programme.id, survey_key))
    rows: list[Row] = []
    for question in definition.questions:
        if not question.kind.scored:
            continue
        section = "trend" if question.type == "likert5" else "score"
        anchors[section] += 1
        link = Link("pulse", (), f"{section}-{anchors[section]}-heading")
        months: dict[str, Counter[float]] = {}
        parts: dict[str, list[ReleasedCellView]] = {}
        for cell in cells:
            if cell.question_key == question.key:
                month = months.setdefault(cell.period, Counter())
                parts.setdefault(cell.period, []).append(cell)
                for value, count in disclosure.released(cell).histogram.items():
                    month[float(value)] += count
        kinds = ("favourable",) if question.type == "likert5" else ("mean", "net")
        for kind in kinds:
            decided = decided_months(kind, months, policy, parts)
            rows.append((_label(question, kind), kind, link, decided))
    return rows


def _label(question: Question, kind: str) -> str:
    """A pulse item's short name (its key in words; the pulse page shows the question).

    A pulse's one 0-10 item asks whether they would recommend the programme.
    """
    name = question.key.replace("_", " ").capitalize()
    if kind == "net":
        return "Recommend (net score)"
    if kind == "mean":
        return "Recommend (mean 0–10)"
    return name


def _climate_card(
    session: Session, programme: Programme, policy: disclosure.Policy, rounds: list[SurveyRound]
) -> Card:
    title = "Climate survey: everyone who answered (by round)"
    if not rounds:
        return Card("climate", title, [], "No climate survey round has been opened yet.")
    latest = rounds[-1]
    earlier = rounds[-2] if len(rounds) > 1 else None

    def histogram(question_key: str, round_: SurveyRound | None) -> Counter[float]:
        if round_ is None:
            return Counter()
        try:
            return released_histogram(
                session, programme.id, CLIMATE, question_key, "role", ALL_ROLES, policy.k, round_.id
            )
        except Invalid:  # a role below k, or one answer all but everyone's: suppressed
            return Counter()

    def figure(label: str, kind: str, key: str, values: tuple[Histogram, Histogram]) -> Figure:
        value, interval = decide(kind, values[0], policy)
        previous = decide(kind, values[1], policy)[0] if earlier else policy.too_few()
        query = (("outcome", f"climate:{key}"), ("comparison", "participants"))
        return Figure(
            label,
            kind,
            latest.label,
            value,
            earlier.label if earlier else "",
            previous,
            interval,
            Link("compare", query, "results-heading"),
        )

    items = climate_index_items()
    by_round = {
        key: (histogram(key, latest), histogram(key, earlier)) for key in (*items, "recommend_firm")
    }
    questions = {q.key: q for q in catalogue().current(CLIMATE).questions}
    figures = [_index(latest, earlier, by_round, items, policy)]
    figures += [
        figure(questions[key].text.rstrip("."), "favourable", key, by_round[key]) for key in items
    ]
    if "recommend_firm" in questions:
        figures.append(
            figure(
                "eNPS: would recommend the firm as a place to work",
                "net",
                "recommend_firm",
                by_round["recommend_firm"],
            )
        )
    return Card("climate", title, figures)


def _index(
    latest: SurveyRound,
    earlier: SurveyRound | None,
    by_round: Mapping[str, tuple[Histogram, Histogram]],
    items: Sequence[str],
    policy: disclosure.Policy,
) -> Figure:
    """The climate index (1-5): the mean of the item means, n the smallest item's n."""

    def index(at: int) -> disclosure.Result:
        means = [decide("mean", by_round[key][at], policy)[0] for key in items]
        if not all(isinstance(m, disclosure.Shown) for m in means):
            return policy.too_few()
        n = min(m.n for m in means if isinstance(m, disclosure.Shown))
        average = sum(float(m.value) for m in means if isinstance(m, disclosure.Shown)) / len(means)
        return disclosure.Shown(average, n)

    query = (("outcome", INDEX), ("comparison", "participants"))
    return Figure(
        "Climate index (1–5, mean of the five statements)",
        "mean",
        latest.label,
        index(0),
        earlier.label if earlier else "",
        index(1) if earlier else policy.too_few(),
        None,
        Link("compare", query, "results-heading"),
    )


def _headline(
    session: Session,
    programme: Programme,
    policy: disclosure.Policy,
    default_k: int,
    roles: tuple[str, ...],
    state: PlanState | None = None,
) -> Headline:
    anchors: Counter[str] = Counter()
    rows = {
        role: _pulse_rows(session, programme, role, policy, anchors)
        for role in PULSE_FOR_ROLE
        if role in roles
    }
    as_of = as_of_month([row for mine in rows.values() for row in mine])
    cards = []
    for role in PULSE_FOR_ROLE:
        if role in roles:
            figures = [figure_as_of(row, as_of, policy) for row in rows[role]]
            title = f"{role.capitalize()}s' session pulse (by month)"
            cards.append(Card(f"pulse-{role}", title, figures))
        else:
            cards.append(
                Card(
                    f"pulse-{role}",
                    f"{role.capitalize()}s' session pulse (by month)",
                    [],
                    f"Not shown, as fewer than {policy.k} {role}s are enrolled and their "
                    "session pulses could describe single pairings.",
                )
            )
    rounds = climate_rounds(session, programme.id)
    cards.insert(0, _climate_card(session, programme, policy, rounds))
    state = state or plan_state(session, programme.id)
    planned = planned_findings(session, programme, default_k, rounds, state.plan)
    return Headline(policy, cards, planned, plan_in_words(state), as_of)


def plan_in_words(state: PlanState) -> str:
    """Which plan the findings follow: default or declared, frozen when, amended when."""
    kind = "the default plan (from the instruments)" if state.is_default else "the declared plan"
    if state.frozen_on is None:
        return f"As {kind}; it is frozen when the first result is released."
    said = f"As {kind}, frozen on {state.frozen_on.isoformat()}"
    if state.version > 1:
        said += f"; amended {state.version - 1} time(s), latest on {state.declared_on}"
    return said + "."


#: How the headline is stored (surveys/reports/cache.py).
HEADLINE_CODEC: release_cache.Codec[Headline] = release_cache.Codec(
    codec.dump, codec.loader(Headline)
)


def headline_report(session: Session, programme: Programme, default_k: int) -> Headline:
    """The programme's headline, kept until its next release (stored by the worker)."""
    firm = session.get_one(Firm, programme.firm_id)
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    # As on the pulse page: a role with fewer than k enrolled is not shown (enrolment is
    # live, so it is part of the key).
    enrolled = enrolled_by_role(session, programme.id)
    roles = tuple(role for role in PULSE_FOR_ROLE if enrolled.get(role, 0) >= policy.k)
    state = plan_state(session, programme.id)
    key = release_cache.key_for("headline", programme, policy.k, state.digest, *roles)
    return release_cache.cached(
        session,
        key,
        lambda: _headline(session, programme, policy, default_k, roles, state),
        HEADLINE_CODEC,
    )
