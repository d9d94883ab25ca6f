"""Comments leave an export without e-mail addresses, phone numbers or the firm's people's names."""

from __future__ import annotations

from surveys.export.comments import Masker, names_from_people


def test_names_come_from_the_parts_of_peoples_email_addresses_and_their_ids() -> None:
    names = names_from_people(["jane.doe@firm.example", "o'neil-smith@firm.example"], ["HR12345"])
    assert {"jane", "doe", "o'neil-smith", "neil", "smith", "hr12345"} <= names


def test_emails_phones_and_known_names_are_masked_whatever_their_case() -> None:
    mask = Masker(names_from_people(["jane.doe@firm.example"]))
    text = "Jane said to mail JANE.DOE@firm.example or call +44 (0)20 7946 0958 / 07700 900123."
    assert mask(text) == "[name] said to mail [email] or call [phone] / [phone]."


def test_words_that_merely_contain_a_name_are_left_alone() -> None:
    mask = Masker({"ann"})
    assert mask("Annual review with Ann") == "Annual review with [name]"
