"""Survey invitations: issuing them, opening their links, and reminding.

- ``issue``: one per participant after a meeting (pulse), everyone in scope when
  a climate round opens;
- ``links``: what a token opens (``open_invitation``), and why one no longer does
  (``ended_link``);
- ``optouts``: opting out of a survey, a programme's pulses or a firm's mail, and
  undoing it; every sender asks it (``suppressed``, ``blocked_people``);
- ``reminders``: which are due, and claiming one so it is sent once.
"""

from surveys.services.invitations.issue import issue_pulse_invitations, launch_round
from surveys.services.invitations.links import (
    EndedLink,
    OpenInvitation,
    ended_link,
    open_invitation,
)
from surveys.services.invitations.optouts import (
    SCOPES,
    OptOutState,
    blocked_people,
    invitation_for,
    is_suppressed,
    opt_out,
    opt_out_state,
    opted_out_people,
    suppressed,
    undo_opt_out,
)
from surveys.services.invitations.reminders import claim_reminder, due_reminders

__all__ = [
    "EndedLink",
    "OpenInvitation",
    "OptOutState",
    "SCOPES",
    "blocked_people",
    "claim_reminder",
    "due_reminders",
    "ended_link",
    "invitation_for",
    "is_suppressed",
    "issue_pulse_invitations",
    "launch_round",
    "open_invitation",
    "opt_out",
    "opt_out_state",
    "opted_out_people",
    "suppressed",
    "undo_opt_out",
]
