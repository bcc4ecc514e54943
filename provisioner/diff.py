"""Three-way, field-level diff: desired (manifest) vs last-applied (state) vs live (provider).

All three inputs are manifest-shaped and already normalised (provider defaults filled in) and
redacted (sensitive values replaced by fingerprints), so equal things compare equal.

Which paths are compared:
* partial-update kinds: every path the manifest declares, plus paths it declared last time
  (so removing a field is a deliberate change, not silently ignored);
* full-replacement kinds: additionally every path the live object has, because the next write
  replaces the whole object (a capability added in a console is drift, not invisible).
Lists are compared as whole values. ``ignore_changes`` prefixes and local-only fields are skipped.
Write-only fields (never returned) are compared with last-applied: re-sent only when they change.

Each change carries its reasons: ``config`` when the manifest differs from what was last applied
(or nothing was applied yet), ``drift`` when the live value differs from what was last applied.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from .kind import FieldChange, Kind
from .model import UNKNOWN, fingerprint

_MISSING = None  # an absent field; manifests cannot express null, so None is unambiguous
FP_PREFIX = "fp:"


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Leaf paths of a nested mapping. Lists and empty mappings are leaves."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            out.update(flatten(item, path + "."))
        else:
            out[path] = item
    return out


def get_path(value: Mapping[str, Any] | None, path: str) -> Any:
    node: Any = value
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def redact(props: Mapping[str, Any], sensitive: Iterable[str]) -> dict[str, Any]:
    """Replace sensitive values by keyed fingerprints (``fp:…``); never keep the value.

    A path that crosses a list applies to every element (``channel_credentials.static_bearer.token``).
    Copy on write: only the containers on a redacted path are new; ``props`` is never changed, and
    everything else is shared with it (plans call this for every object, so no deep copies). The
    paths are merged into one tree per kind, so a kind with twenty sensitive paths is still walked
    once."""
    paths = sensitive if isinstance(sensitive, frozenset) else frozenset(sensitive)
    out = _redacted(props, _path_tree(paths))
    return dict(out) if out is props else out  # always a new top-level dict, as callers expect


_LEAF = ""  # marks a path's end in a path tree (no property is called "")


@functools.cache
def _path_tree(paths: frozenset[str]) -> dict[str, Any]:
    """``{"a.b", "a.c"}`` → ``{"a": {"b": {"": True}, "c": {"": True}}}``."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
        node[_LEAF] = True
    return tree


def _redacted(node: Any, tree: Mapping[str, Any]) -> Any:
    cls = node.__class__
    if cls is list:
        items = [_redacted(item, tree) for item in node]
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    if cls is not dict and not isinstance(node, Mapping):
        return node
    changed: dict[str, Any] | None = None
    for head, sub in tree.items():
        if head == _LEAF or head not in node:
            continue
        value = node[head]
        if _LEAF in sub and isinstance(value, str):
            new: Any = value if value.startswith(FP_PREFIX) else FP_PREFIX + fingerprint(_canonical(value))
        else:
            new = _redacted(value, sub)
        if new is not value:
            if changed is None:
                changed = dict(node)
            changed[head] = new
    return node if changed is None else changed


def _canonical(value: str) -> str:
    return "\n".join(line.strip() for line in value.strip().splitlines())


def _skipped(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def compare(
    kind: Kind,  # type: ignore[type-arg]
    desired: Mapping[str, Any],
    last: Mapping[str, Any] | None,
    live: Mapping[str, Any],
    ignore: Iterable[str] = (),
) -> list[FieldChange]:
    """Field changes that would make ``live`` match ``desired``; empty when in sync."""
    want = flatten(desired)
    have = flatten(live)
    before = flatten(last) if last is not None else {}
    paths = set(want) | {p for p in before if not _skipped(p, kind.computed_props) or p in want}
    if kind.full_replacement:
        paths |= {p for p in have if not _skipped(p, kind.computed_props) or p in want}
    skip = [*kind.local_only, *ignore]
    changes = []
    for path in sorted(paths):
        if _skipped(path, skip):
            continue
        d, live_value = want.get(path, _MISSING), have.get(path, _MISSING)
        if _skipped(path, kind.write_only):
            # Never returned by the provider: what was last sent is the best knowledge of what is live.
            live_value = before.get(path, _MISSING)
        if d is not UNKNOWN and d == live_value:
            continue
        if d is _MISSING and not kind.full_replacement and live_value is _MISSING:
            continue
        if last is None:
            reasons: tuple[str, ...] = ("config",)
        else:
            a = before.get(path, _MISSING)
            config, drift = a != d, a != live_value
            reasons = tuple(r for r, on in (("config", config), ("drift", drift)) if on) or ("config",)
        sensitive = _skipped(path, kind.sensitive)
        changes.append(FieldChange(path, live_value, d, reasons, sensitive))
    return changes


def reasons_of(changes: Iterable[FieldChange]) -> tuple[str, ...]:
    found = {r for c in changes for r in c.reasons}
    return tuple(r for r in ("config", "drift") if r in found)
