"""Answers a simulated participant gives, with the planted effects (see effects.py)."""

from __future__ import annotations

import random

from surveys.simulation import effects
from surveys.simulation.people import SimPerson

Raw = dict[str, list[str]]
TOPICS = (
    "flexible_working",
    "technology",
    "diversity_inclusion",
    "client_expectations",
    "generational_change",
    "wellbeing",
    "career_progression",
)
COMMENTS = (
    "We talked about how hybrid working looks from the trainee desk.",
    "Useful to hear how clients' expectations have changed.",
    "Good session; we agreed to try something new on the team.",
    "We ran out of time; next time we will start with technology.",
)
_GENDER_OPTION = {"woman": "woman", "man": "man", "prefer not to say": "prefer_not_to_say"}
_ETHNICITY_OPTION = {
    "White": "white",
    "Asian or Asian British": "asian",
    "Black, Black British, Caribbean or African": "black",
    "Mixed or multiple ethnic groups": "mixed",
    "Another ethnic group": "other",
    "prefer not to say": "prefer_not_to_say",
}


def likert(rng: random.Random, mean: float) -> str:
    return str(min(5, max(1, round(rng.gauss(mean, effects.LIKERT_NOISE)))))


def scale(rng: random.Random, mean: float, sd: float = 1.6) -> str:
    return str(min(10, max(0, round(rng.gauss(mean, sd)))))


def _common(rng: random.Random) -> Raw:
    return {
        "topics": rng.sample(TOPICS, rng.randint(1, 3)),
        "comment": [rng.choice(COMMENTS) if rng.random() < 0.08 else ""],
    }


def mentee_pulse(rng: random.Random, progress: float) -> Raw:
    """``progress``: 0 at the programme's start, 1 a year later."""
    insight = effects.INSIGHT_START + effects.INSIGHT_RISE_PER_YEAR * progress
    return {
        "gained_insight": [likert(rng, insight)],
        "will_act": [likert(rng, 3.6)],
        "open_and_honest": [likert(rng, 4.0)],
        "recommend_programme": [scale(rng, 7.8)],
        **_common(rng),
    }


def mentor_pulse(rng: random.Random, progress: float) -> Raw:
    return {
        "spoke_openly": [likert(rng, effects.SPOKE_OPENLY_MEAN)],
        "mentee_engaged": [likert(rng, 3.8)],
        "good_use_of_time": [likert(rng, 3.7)],
        "recommend_programme": [scale(rng, 7.4)],
        **_common(rng),
    }


def climate(rng: random.Random, person: SimPerson, participant: bool, follow_up: bool) -> Raw:
    gain = effects.INTEND_TO_STAY_GAIN["participant" if participant else "comparison"]
    answers: Raw = {
        "belonging": [likert(rng, effects.BELONGING_MEAN)],
        "can_progress": [likert(rng, 3.1)],
        "flexible_without_stigma": [likert(rng, 3.0)],
        "leaders_understand": [likert(rng, 2.9)],
        "intend_to_stay": [
            likert(rng, effects.INTEND_TO_STAY_BASELINE + (gain if follow_up else 0.0))
        ],
        "recommend_firm": [scale(rng, 6.6, 2.0)],
        "comment": [""],
    }
    if person.gender in _GENDER_OPTION and rng.random() < 0.9:
        answers["gender"] = [_GENDER_OPTION[person.gender]]
    if person.ethnicity in _ETHNICITY_OPTION and rng.random() < 0.85:
        answers["ethnicity"] = [_ETHNICITY_OPTION[person.ethnicity]]
    return answers
