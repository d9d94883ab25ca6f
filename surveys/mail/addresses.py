"""Mail addresses and the headers that carry them, built only with ``email.headerregistry``.

A programme or firm name is the display name of an invitation's ``From:``; a lead
chooses it, so it may hold anything (``<ceo@victim.example>``, quotes, line breaks,
any script). :func:`mailbox` makes it one line of text, and :data:`POLICY` writes
address headers without folding them: the standard library's folder drops a
quoted display name's quotes when it breaks a long one over lines, after which
``Name <ceo@victim.example>`` reads as that address (issue 26). Unfolded, the
quoting (or RFC 2047 encoding) that ``Address`` gives stays intact, and a display
name of at most :data:`MAX_DISPLAY_NAME` characters keeps the line far below the
998 characters RFC 5322 allows.

:func:`deliverable` checks an address that mail will be sent to (the HR import, a
firm's sender): an internationalised domain becomes its IDNA (``xn--``) form; a
non-ASCII part before the ``@`` would need SMTPUTF8, which Flipside does not use,
so it is refused with a sentence that says so.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.policy import EmailPolicy
from typing import Any

#: Longer display names are cut (with an ellipsis).
MAX_DISPLAY_NAME = 200
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
#: Controls, spaces and every character ``str.splitlines`` breaks at (a header must not).
_BREAKS = re.compile(r"[\x00-\x20\x7f\x85\u2028\u2029]+")


class _Policy(EmailPolicy):
    """``email.policy.default``, except that address headers are not folded below 998."""

    def fold(self, name: str, value: str) -> str:
        policy = self.clone(max_line_length=998) if name.lower() in _ADDRESS_HEADERS else self
        return str(EmailPolicy.fold(policy, name, value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        policy = self.clone(max_line_length=998) if name.lower() in _ADDRESS_HEADERS else self
        return EmailPolicy.fold_binary(policy, name, value)


#: The policy of every message Flipside composes.
POLICY = _Policy()


def one_line(text: str) -> str:
    """``text`` as one line of header text: control characters (line breaks too) become
    spaces, runs of white space one space, and ``=?`` (which a reader would decode as
    an RFC 2047 encoded word) ``= ?``."""
    return _BREAKS.sub(" ", text).strip().replace("=?", "= ?")


def display_name(text: str) -> str:
    """``text`` as one line (:func:`one_line`) of at most :data:`MAX_DISPLAY_NAME`
    characters."""
    line = one_line(text)
    if len(line) > MAX_DISPLAY_NAME:
        line = line[: MAX_DISPLAY_NAME - 1].rstrip() + "…"
    return line


def mailbox(addr_spec: str, name: str = "") -> Address:
    """The header value for ``name <addr_spec>`` (the name quoted or encoded as needed)."""
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=display_name(name), username=username, domain=domain)


def domain_of(addr_spec: str) -> str:
    """The domain of an address, in its ASCII (IDNA) form."""
    return _ascii_domain(addr_spec.rpartition("@")[2].strip().lower())


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    return domain.encode("idna").decode("ascii")


def deliverable(raw: str) -> str:
    """``raw`` as an address mail can be sent to (lower case, IDNA domain), or ValueError
    with a sentence saying what is wrong."""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "." not in domain.strip("."):
        raise ValueError(f"{text!r} is not an e-mail address")
    if not local.isascii():
        raise ValueError(
            f"{text!r} has non-ASCII characters before the @; Flipside's mail cannot reach "
            "it (no SMTPUTF8): give the person's ASCII address"
        )
    try:
        domain = _ascii_domain(domain.lower())
    except UnicodeError:
        raise ValueError(f"the domain of {text!r} is not a valid internationalised name") from None
    address = f"{local.lower()}@{domain}"
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        raise ValueError(f"{text!r} is not an e-mail address") from None
    if parsed.addr_spec != address or len(address) > 254:
        raise ValueError(f"{text!r} is not an e-mail address")
    return address
