"""Typed records to and from JSON, validated at the trust boundary.

The manifest is a file a pull request may edit, so a record read back from it is parsed
with pydantic v2 in strict JSON mode (``TypeAdapter(hint).validate_json(…, strict=True)``):
a wrong type anywhere (a string for an int, a bool for a float, an object for a list) is
refused with :class:`RecordError`, never coerced. Unknown keys are ignored and missing
ones take the field's default, so records written by an older version still parse.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError


class RecordError(ValueError):
    """A recorded value does not have its record's type (an edited or foreign manifest)."""


@functools.cache
def _adapter(hint) -> TypeAdapter:
    return TypeAdapter(hint)


def dump(obj) -> Any:
    """A dataclass (nested ones too) as JSON-able dicts and lists; other values as they are."""
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj


def parse(hint, value: Any) -> Any:
    """``value`` (JSON-able, as :func:`dump` made it) as type ``hint`` (a dataclass or a
    typing hint such as ``ModelRef | None`` or ``dict[str, str]``). Raises RecordError
    (one line) when it does not have that type."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"not a JSON record ({exc})") from None
    try:
        return _adapter(hint).validate_json(text, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "record"
        raise RecordError(f"{where}: {first.get('msg', 'invalid')}") from None
