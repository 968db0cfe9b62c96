"""Typed results to and from JSON: the manifest stores every stage's result as JSON and
hands it back when the stage is skipped; :func:`from_json` rebuilds the dataclass and
checks every field's type, so an edited manifest is rejected, not trusted."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

#: What parsing a malformed (edited) record raises; callers catch exactly these.
MALFORMED = (TypeError, ValueError, KeyError, AttributeError, StopIteration)


def to_json(obj) -> Any:
    """A dataclass (nested ones too) as JSON-able dicts and lists."""
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj


def from_json(cls, data):
    """Rebuild dataclass ``cls`` from :func:`to_json`'s output; unknown keys are ignored,
    missing ones take the field default. Raises TypeError when a required one is missing."""
    if data is None or not dataclasses.is_dataclass(cls):
        return data
    hints = typing.get_type_hints(cls)
    kw = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kw[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kw)


def _convert(hint, value):
    """``value`` as type ``hint``; raises TypeError when it is not (an edited manifest)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {hint.__name__}, got {value!r:.40}")
        return from_json(hint, value)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _convert(next(a for a in args if a is not type(None)), value)
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {value!r:.40}")
        return [_convert(args[0], v) for v in value] if args else value
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {value!r:.40}")
        return {_convert(args[0], k): _convert(args[1], v) for k, v in value.items()} if args else value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(hint, type) and not isinstance(value, hint) or (
            hint in (int, float) and isinstance(value, bool)):
        raise TypeError(f"expected {hint.__name__}, got {value!r:.40}")
    return value
