"""Key casing at the edge: Provisioning and Numbers speak camelCase, manifests snake_case
(Conversation is snake_case already). Only keys are translated, never values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_UPPER = re.compile(r"([A-Z])")


def camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_key(key: str) -> str:
    return _UPPER.sub(lambda m: "_" + m.group(1).lower(), key)


def to_camel(value: Any) -> Any:
    """Manifest shape → wire shape (recursively, keys only)."""
    if isinstance(value, Mapping):
        return {camel_key(k): to_camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_camel(v) for v in value]
    return value


def to_snake(value: Any) -> Any:
    """Wire shape → manifest shape (recursively, keys only)."""
    if isinstance(value, Mapping):
        return {snake_key(k): to_snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_snake(v) for v in value]
    return value


def compact(value: Any) -> Any:
    """Drop what the API uses to mean "not set" (null, "", empty objects), so an unset field and
    a server default of "" compare equal. Lists keep their items (order and count matter)."""
    if isinstance(value, Mapping):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {})}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def nest(path: str, leaf: Any) -> dict[str, Any]:
    """``"a.b.c", v`` → ``{"a": {"b": {"c": v}}}``."""
    out: Any = leaf
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def merge(into: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into ``into`` (in place) and return it."""
    for k, v in patch.items():
        if isinstance(v, Mapping) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = dict(v) if isinstance(v, Mapping) else v
    return into
