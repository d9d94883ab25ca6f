"""The scale library: Flipside's open scales plus a firm's own licensed ones.

``FLIPSIDE_SCALES_DIR`` names a folder of the firm's scale files (validated as
Flipside's own, except that ``licence = "firm-licensed"`` is allowed there). A
firm's scale may not reuse the key and version of a shipped one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from surveys.definitions.errors import DefinitionError
from surveys.definitions.scale_loader import SHIPPED_SCALES_DIR, load_scales
from surveys.definitions.scale_model import Scale

SCALES_DIR_VARIABLE = "FLIPSIDE_SCALES_DIR"

__all__ = ["SCALES_DIR_VARIABLE", "ScaleLibrary", "firm_scales_folder"]


def firm_scales_folder(env: Mapping[str, str]) -> Path | None:
    """The firm's scales folder from the environment; None when unset.

    A folder named but missing is a configuration mistake, said in one line.
    """
    value = env.get(SCALES_DIR_VARIABLE, "").strip()
    if not value:
        return None
    folder = Path(value)
    if not folder.is_dir():
        raise DefinitionError(SCALES_DIR_VARIABLE, f"{value!r} is not a folder")
    return folder


class ScaleLibrary:
    """Every scale by (key, version); ``current`` is a key's highest version."""

    def __init__(self, scales: dict[tuple[str, int], Scale]) -> None:
        self._by_version = scales

    @classmethod
    def load(cls, firm_folder: Path | None = None) -> ScaleLibrary:
        scales = load_scales(SHIPPED_SCALES_DIR.glob("*.toml"))
        if firm_folder is not None:
            for ident, scale in load_scales(firm_folder.glob("*.toml"), firm=True).items():
                if ident in scales:
                    raise DefinitionError(
                        scale.source, f"{ident[0]} v{ident[1]} is a shipped scale", field="key"
                    )
                scales[ident] = scale
        return cls(scales)

    def get(self, key: str, version: int) -> Scale:
        try:
            return self._by_version[(key, version)]
        except KeyError:
            raise KeyError(f"no scale {key} v{version}") from None

    def current(self, key: str) -> Scale:
        versions = [v for (k, v) in self._by_version if k == key]
        if not versions:
            raise KeyError(f"no scale {key}")
        return self._by_version[(key, max(versions))]

    def all(self) -> list[Scale]:
        return [self._by_version[k] for k in sorted(self._by_version)]
