"""The effects the demo plants (and those it deliberately does not).

Scores are drawn as round(mean + normal noise) clipped to the scale, so a
planted shift in the mean shows up as a shift in the Likert distribution.
"""

from __future__ import annotations

from typing import Final

#: Latent noise (SD) of every Likert answer.
LIKERT_NOISE: Final = 0.85

#: Mentees' "I gained insight..." rises linearly over the programme's year.
INSIGHT_START: Final = 3.2
INSIGHT_RISE_PER_YEAR: Final = 1.0

#: Climate "I intend to be working here in two years' time".
INTEND_TO_STAY_BASELINE: Final = 3.3
#: Change from baseline to follow-up: participants gain, the comparison group does not.
INTEND_TO_STAY_GAIN: Final = {"participant": 0.7, "comparison": 0.0}

#: Yearly hazard of leaving, and the hazard ratio for participants once enrolled.
LEAVING_HAZARD_PER_YEAR: Final = 0.16
PARTICIPANT_LEAVING_HAZARD_RATIO: Final = 0.35

# No effect planted (the test checks the engine finds none):
#: mentors' "I could speak openly" stays flat over the year;
SPOKE_OPENLY_MEAN: Final = 3.9
#: "I feel that I belong" is the same for everyone at both rounds;
BELONGING_MEAN: Final = 3.5
#: and participants start from the same intent to stay as the comparison group.
