"""What the services and the answer rules say to a participant, in the page's language.

Services and surveys.domain raise their messages in English (they know nothing of
the web). The ones a participant can see are listed here, marked with ``N_`` so
Babel extracts them into the catalogues; :func:`translate` looks a message up in
the current page's catalogue. On staff pages (always English) it changes nothing.
"""

from __future__ import annotations

import re

from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Mark ``message`` for the catalogues without translating it here."""
    return message


PARTICIPANT_MESSAGES = (
    # surveys.domain.answers
    N_("Please answer this question."),
    N_("Please choose from the options shown."),
    N_("Please choose one answer."),
    N_("Please remove the invisible NUL character from this answer."),
    N_("Please remove the invisible control characters from this answer."),
    N_("Please answer yes or no."),
    # surveys.services.invitations and responses: links that no longer open a survey
    N_("This survey link is not valid. Check that you copied all of it."),
    N_("This link is not valid. Check that you copied all of it."),
    N_("This survey has already been answered with this link. Thank you!"),
    N_("You opted out of this survey, so this link no longer works."),
    N_("This survey link has expired. Links are valid for a limited time."),
    N_("Choose what to stop: this survey, this programme's pulses or all mail."),
    # surveys.services.meetings, as a sentence ("We met")
    N_("A meeting cannot be recorded before it has happened."),
    N_("The meeting date is before this pairing started."),
    N_("The meeting date is after this pairing ended."),
    N_("Please give a date."),
    N_("Not a valid date value."),
    # webapp.errors: the titles of the error pages a participant can reach
    N_("The request could not be understood."),
    N_("There is nothing at this address."),
    N_("That method is not allowed here."),
    N_("This link is no longer valid."),
    N_("What you sent is too large."),
    N_("Some of what you sent could not be accepted."),
    N_("Too many attempts."),
    N_("Something went wrong on our side. Nothing you submitted was half-saved."),
    N_("This form has expired or was not sent from Flipside. Reload the page and try again."),
    N_("Error"),
    # webapp.respond.routes: the database cannot take a submission just now
    N_(
        "We could not save your answers just now. "
        "Nothing was lost on this page: please try again in a minute."
    ),
    # ... nor open a survey link, nor show a NUL character in an address
    N_("Flipside cannot answer just now."),
    N_("We could not open your survey just now. Nothing is lost: please try again in a minute."),
    N_("The address contains an invisible NUL character. Remove it and try again."),
)

#: Messages with a number in them: (the English, the catalogue's message).
_PATTERNS = (
    (
        re.compile(r"Please keep this to (?P<n>\d+) characters at most \(it has (?P<m>\d+)\)\."),
        N_("Please keep this to %(n)s characters at most (it has %(m)s)."),
    ),
    (
        re.compile(r"Please choose a number from (?P<low>\d+) to (?P<high>\d+)\."),
        N_("Please choose a number from %(low)s to %(high)s."),
    ),
)


def translate(message: str) -> str:
    """``message`` in the current page's language (as given if the catalogue lacks it)."""
    for pattern, msgid in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return str(gettext(msgid, **found.groupdict()))
    return str(gettext(message))
