"""The error a definition file that does not validate raises."""

from __future__ import annotations


class DefinitionError(ValueError):
    """Names the file, the question and the field, e.g. ``mentor_pulse.v1.toml:
    question 'topics': field 'options': must not be empty``."""

    def __init__(
        self, file: str, message: str, question: str | None = None, field: str | None = None
    ) -> None:
        where = [file]
        if question is not None:
            where.append(f"question {question!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(": ".join([*where, message]))
        self.file, self.question, self.field = file, question, field
