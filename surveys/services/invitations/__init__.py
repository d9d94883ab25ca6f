"""Survey invitations: issuing them, opening their links, and reminding.

- ``issue``: one per participant after a meeting (pulse), everyone in scope when
  a climate round opens;
- ``links``: what a token opens (``open_invitation``) and the opt-out;
- ``reminders``: which are due, and claiming one so it is sent once.
"""

from surveys.services.invitations.issue import issue_pulse_invitations, launch_round
from surveys.services.invitations.links import OpenInvitation, open_invitation, opt_out
from surveys.services.invitations.reminders import claim_reminder, due_reminders

__all__ = [
    "OpenInvitation",
    "claim_reminder",
    "due_reminders",
    "issue_pulse_invitations",
    "launch_round",
    "open_invitation",
    "opt_out",
]
