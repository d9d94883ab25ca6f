"""Reports to and from JSON, checked field by field (surveys/reports/cache.py stores them).

A stored report is read by every web process, so a row is data, never code: it
is JSON (no pickle), and each report's ``from_dict`` rebuilds it through the
readers here, which accept exactly the types the dataclass holds and raise
:class:`Malformed` on anything else. A row that fails is computed again.
Numbers keep their JSON type (an int stays an int), so a template prints a
stored report exactly as it printed the computed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys import disclosure


class Malformed(ValueError):
    """A stored body that does not describe the report it was read as."""


def obj(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise Malformed(f"expected an object, got {type(value).__name__}")
    return value


def _get(data: Mapping[str, Any], name: str) -> Any:
    if name not in data:
        raise Malformed(f"missing {name!r}")
    return data[name]


def text(data: Mapping[str, Any], name: str) -> str:
    return as_text(_get(data, name))


def as_text(value: object) -> str:
    if not isinstance(value, str):
        raise Malformed(f"expected a string, got {type(value).__name__}")
    return value


def integer(data: Mapping[str, Any], name: str) -> int:
    return as_integer(_get(data, name))


def as_integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"expected an integer, got {type(value).__name__}")
    return value


def number(data: Mapping[str, Any], name: str) -> float:
    return as_number(_get(data, name))


def as_number(value: object) -> float:
    """An int or a float, kept as it is (5 stays 5, as the computed report held it)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(f"expected a number, got {type(value).__name__}")
    return value


def items(data: Mapping[str, Any], name: str) -> list[Any]:
    value = _get(data, name)
    if not isinstance(value, list):
        raise Malformed(f"expected a list for {name!r}, got {type(value).__name__}")
    return value


def texts(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(as_text(v) for v in items(data, name))


def result_to_dict(result: disclosure.Result) -> dict[str, Any]:
    if isinstance(result, disclosure.Shown):
        return {"value": result.value, "n": result.n}
    return {"reason": result.reason}


def result_from_dict(value: object) -> disclosure.Result:
    data = obj(value)
    if set(data) == {"reason"}:
        return disclosure.Suppressed(text(data, "reason"))
    if set(data) == {"value", "n"}:
        return disclosure.Shown(number(data, "value"), integer(data, "n"))
    raise Malformed(f"not a disclosure result: keys {sorted(data)}")


def policy_to_dict(policy: disclosure.Policy) -> dict[str, Any]:
    return {"k": policy.k, "comment_min": policy.comment_min}


def policy_from_dict(value: object) -> disclosure.Policy:
    data = obj(value)
    try:
        return disclosure.Policy(integer(data, "k"), integer(data, "comment_min"))
    except Malformed:
        raise
    except ValueError as exc:  # k below 1
        raise Malformed(str(exc)) from exc
