"""What an import reports when it refuses a file: one RowProblem per fault, all at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from surveys.services.errors import Invalid


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with the file: ``row`` is the line number (the header is row 1)."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Invalid):
    """The file was refused as a whole; ``problems`` lists every row at fault."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"nothing was imported: the file has {count} problem{'s' if count != 1 else ''}"
        )
