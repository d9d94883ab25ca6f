"""Versioned survey definitions: the shipped files and the catalogue that serves them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from surveys.definitions.loader import (
    DEFINITIONS_DIR,
    DefinitionError,
    definition_files,
    load_definitions,
    parse_definition,
)
from surveys.definitions.model import Option, Question, SurveyDefinition

__all__ = [
    "Catalogue",
    "DefinitionError",
    "Option",
    "Question",
    "SurveyDefinition",
    "catalogue",
    "parse_definition",
]

#: The pulse each role answers after a session.
PULSE_FOR_ROLE = {"mentor": "mentor_pulse", "mentee": "mentee_pulse"}
CLIMATE = "climate"


class Catalogue:
    """Every definition by (key, version); ``current`` is the highest version of a key."""

    def __init__(self, definitions: dict[tuple[str, int], SurveyDefinition]) -> None:
        self._by_version = definitions

    @classmethod
    def from_folder(cls, folder: Path = DEFINITIONS_DIR) -> Catalogue:
        return cls(load_definitions(definition_files(folder)))

    def get(self, key: str, version: int) -> SurveyDefinition:
        try:
            return self._by_version[(key, version)]
        except KeyError:
            raise KeyError(f"no survey definition {key} v{version}") from None

    def current(self, key: str) -> SurveyDefinition:
        versions = [v for (k, v) in self._by_version if k == key]
        if not versions:
            raise KeyError(f"no survey definition {key}")
        return self._by_version[(key, max(versions))]

    def pulse_for(self, role: str) -> SurveyDefinition:
        return self.current(PULSE_FOR_ROLE[role])

    def all(self) -> list[SurveyDefinition]:
        return [self._by_version[k] for k in sorted(self._by_version)]


@cache
def catalogue() -> Catalogue:
    """The shipped definitions, loaded and validated once per process."""
    return Catalogue.from_folder()
