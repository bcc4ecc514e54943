"""Key casing at the edge: Infobip speaks camelCase, manifests snake_case. Only keys are translated,
never values (header names, URLs and texts pass through untouched)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_UPPER = re.compile(r"([A-Z]+)")
# Wire names the camelCase rule cannot produce from the manifest's snake_case.
_SPECIAL = {"repeat_dtmf": "repeatDTMF", "enabled_ssl_protocols": "enabledSSLProtocols"}
_SPECIAL_BACK = {v: k for k, v in _SPECIAL.items()}


def camel_key(key: str) -> str:
    if key in _SPECIAL:
        return _SPECIAL[key]
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_key(key: str) -> str:
    if key in _SPECIAL_BACK:
        return _SPECIAL_BACK[key]
    return _UPPER.sub(lambda m: "_" + m.group(1).lower(), key)


def to_camel(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """Manifest shape → wire shape (recursively); mappings under a key in ``keep`` (free-form
    maps such as HTTP headers) keep their keys."""
    if isinstance(value, Mapping):
        return {camel_key(k): (plain(v) if k in keep else to_camel(v, keep=keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [to_camel(v, keep=keep) for v in value]
    return plain(value)


def to_snake(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """Wire shape → manifest shape (recursively); ``keep`` names wire keys whose maps stay as they are."""
    if isinstance(value, Mapping):
        return {snake_key(k): (v if k in keep else to_snake(v, keep=keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [to_snake(v, keep=keep) for v in value]
    return value


def compact(value: Any) -> Any:
    """Drop what the API uses to mean "not set" (null, "", empty objects) so an unset field and a
    blank server value compare equal. Lists keep their items (order and count matter)."""
    if isinstance(value, Mapping):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {})}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """Secret-typed strings become plain ones for JSON (they are still never printed)."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def fields_changed(changes: Any, names: Any) -> list[str]:
    """The top-level property names among ``names`` that some change touches."""
    touched = {c.path.split(".")[0] for c in changes}
    return [n for n in names if n in touched]
