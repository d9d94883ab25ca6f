"""Parsing a JSON request body without letting its shape crash the worker.

Python's parser recurses once per nesting level: a body of ten thousand ``[``
raises RecursionError (a 500 that no handler expects), and a body just under
the interpreter's limit would still make every later recursive walk of it
fragile. :func:`parse` turns both into :class:`BadJson` with one sentence,
refusing anything nested deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
from typing import Any

#: Deeper than any body Flipside accepts (exports and webhooks nest two or three levels).
MAX_DEPTH = 32


class BadJson(ValueError):
    """The body is not JSON Flipside will read; the message is one sentence for the client."""


def depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse(body: bytes | str) -> Any:
    """The parsed body; BadJson if it does not parse or nests deeper than MAX_DEPTH."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise BadJson(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise BadJson("the body is not valid JSON") from None
    if depth(value) > MAX_DEPTH:
        raise BadJson(f"the body nests deeper than {MAX_DEPTH} levels")
    return value
