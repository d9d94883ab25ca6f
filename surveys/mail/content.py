"""What an invitation's e-mail says, read from the invitation, its programme and the
person's own firm, in the person's language (the HR file's, else the firm's default,
else English).

In a cross-organisation programme the firm is the person's own member firm, not
the programme's owner: its name, sender address, Reply-To, default language and
k (their answers are mixed at their firm's k), so a member's people hear from
their own organisation (surveys/services/members.py)."""

from __future__ import annotations

from surveys import languages
from surveys.db.models import SurveyInvitation
from surveys.definitions import SurveyDefinition
from surveys.mail.compose import InvitationMail, Sender, SurveyLinks, sender_for
from surveys.settings import Settings


def mail_for(
    invitation: SurveyInvitation,
    definition: SurveyDefinition,
    links: SurveyLinks,
    settings: Settings,
    *,
    reminder: bool = False,
) -> tuple[InvitationMail, Sender]:
    """The mail for ``invitation`` and who sends it (the firm's address, else the default)."""
    programme = invitation.programme
    firm = invitation.person.firm  # the person's own member firm (see above)
    language = languages.choose(invitation.person.language, firm.default_language)
    gettext = languages.translations(language).gettext
    definition = definition.in_language(language)
    please = gettext("Please answer a short survey.")
    minutes = (
        gettext("It takes under a minute.")
        if definition.kind == "pulse"
        else gettext("About two minutes.")
    )
    mail = InvitationMail(
        to=invitation.person.email,
        firm=firm.name,
        programme=programme.name,
        survey_title=definition.title,
        kind="pulse" if invitation.meeting_id is not None else "climate",
        intro=definition.intro or f"{please} {minutes}",
        expires_at=invitation.expires_at,
        k=firm.min_group_size or settings.min_group_size,
        links=links,
        session_on=invitation.meeting.held_on if invitation.meeting is not None else None,
        round_label=invitation.survey_round.label if invitation.survey_round else None,
        reminder=reminder,
        language=language,
    )
    sender = sender_for(settings.base_url, settings.mail_from, firm.mail_from, firm.reply_to)
    return mail, sender
