"""Reports to and from JSON, checked field by field (surveys/reports/cache.py stores them).

A stored report is read by every web process, so a row is data, never code: it
is JSON (no pickle). :func:`dump` writes a report dataclass field by field and
:func:`load` rebuilds it through its type hints with the readers here, which
accept exactly the types the dataclass holds and raise :class:`Malformed` on
anything else. A row that fails is computed again.
Numbers keep their JSON type (an int stays an int), so a template prints a
stored report exactly as it printed the computed one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

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


# One codec for every stored report: a dataclass is written field by field and read back
# through its type hints, so a new field cannot be forgotten in one direction. Only the
# shapes below are known; anything else is refused (a stored row must never run code).
T = TypeVar("T")


def dump(value: Any) -> Any:
    """``value`` as JSON values: dataclasses as objects, tuples as lists."""
    if isinstance(value, disclosure.Shown | disclosure.Suppressed):
        return result_to_dict(value)
    if isinstance(value, disclosure.Policy):
        return policy_to_dict(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


def load(cls: type[T], value: object) -> T:
    """The ``cls`` that :func:`dump` gave ``value`` for, or :class:`Malformed`.

    Every field must be there, of its declared type, except an optional one
    (``X | None``), which may be missing; unknown keys are ignored. A dataclass
    whose ``__post_init__`` refuses the values (ValueError) is Malformed too.
    """
    data = obj(value)
    hints = get_type_hints(cls)
    found = {}
    for f in fields(cls):  # type: ignore[arg-type]
        hint = hints[f.name]
        if f.name not in data and not _optional(hint):
            raise Malformed(f"missing {f.name!r}")
        found[f.name] = _read(hint, data.get(f.name))
    try:
        return cls(**found)
    except Malformed:
        raise
    except ValueError as exc:
        raise Malformed(str(exc)) from exc


def loader(cls: type[T]) -> Callable[[object], T]:
    """:func:`load` for one report class (what :class:`surveys.reports.cache.Codec` takes)."""
    return lambda value: load(cls, value)


def _optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, UnionType) and type(None) in get_args(hint)


def _read(hint: Any, value: object) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if hint is str:
        return as_text(value)
    if hint is int:
        return as_integer(value)
    if hint is float:
        return as_number(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise Malformed(f"expected true or false, got {type(value).__name__}")
        return value
    if hint == disclosure.Result:
        return result_from_dict(value)
    if hint is disclosure.Policy:
        return policy_from_dict(value)
    if _optional(hint):
        (inner,) = [a for a in args if a is not type(None)]
        return None if value is None else _read(inner, value)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise Malformed(f"expected a list, got {type(value).__name__}")
        if origin is list:
            return [_read(args[0], v) for v in value]
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_read(args[0], v) for v in value)
        if len(value) != len(args):
            raise Malformed(f"expected {len(args)} values, got {len(value)}")
        return tuple(_read(a, v) for a, v in zip(args, value, strict=True))
    if isinstance(hint, type) and is_dataclass(hint):
        return load(hint, value)
    raise TypeError(f"the report codec does not know {hint!r}")
