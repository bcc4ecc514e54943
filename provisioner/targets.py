"""``--only`` / ``--skip``: which resources a run plans, with dependencies pulled in.

A pattern is a resource name (shell-style globs allowed: ``support-*``) or ``type=KIND`` (globs
too: ``type=vonage.*``). The selection is:

1. every resource ``--only`` matches (all of them when no ``--only`` is given), plus everything
   those depend on, transitively — a resource cannot be applied before what it references
   exists, so dependencies are pulled in and listed (``pulled_in``);
2. minus every resource ``--skip`` matches, and everything that depends on those (as OpenTofu's
   ``-exclude`` does), listed as ``skipped_dependents``. A skipped resource that something
   selected depends on is an error: the selection could not be applied.

Resources only in state (removed from the manifest, so planned for deletion) are matched by the
same patterns. A pattern that matches nothing is an error, so a typo never plans "nothing".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .errors import UsageError
from .model import DesiredResource
from .state.base import Snapshot


@dataclass(frozen=True)
class Selection:
    """The resources a targeted run plans. ``names`` covers manifest and state-only resources."""

    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    names: frozenset[str] = frozenset()
    pulled_in: tuple[str, ...] = ()  # dependencies of --only matches, added automatically
    skipped_dependents: tuple[str, ...] = ()  # left out because they depend on a --skip match
    excluded: tuple[str, ...] = field(default=(), compare=False)  # every resource not planned

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def to_json(self) -> dict[str, list[str]]:
        return {
            "only": list(self.only),
            "skip": list(self.skip),
            "pulled_in": list(self.pulled_in),
            "skipped_dependents": list(self.skipped_dependents),
            "excluded": list(self.excluded),
        }


def select(
    desired: Mapping[str, DesiredResource], snapshot: Snapshot, only: Sequence[str] = (), skip: Sequence[str] = ()
) -> Selection | None:
    """The selection for these patterns, or None when there are none (plan everything)."""
    if not only and not skip:
        return None
    kinds = {n: r.kind for n, r in snapshot.resources.items()} | {n: r.kind for n, r in desired.items()}
    deps = {n: set(r.dependencies) for n, r in snapshot.resources.items()}
    deps.update({n: r.dependencies() for n, r in desired.items()})
    every = sorted(kinds)

    chosen = set(every)
    asked: set[str] = set()
    pulled: set[str] = set()
    if only:
        asked = _matching(only, kinds, "--only")
        pulled = _closure(asked, deps) - asked
        chosen = asked | pulled
    skipped: set[str] = set()
    dependents: set[str] = set()
    if skip:
        skipped = _matching(skip, kinds, "--skip")
        dependents = _closure(skipped, _reverse(deps)) - skipped
        needed = sorted(skipped & pulled)
        if needed:
            users = sorted(n for n in asked if _closure({n}, deps) & set(needed))
            raise UsageError(
                f"cannot skip {', '.join(needed)}: {', '.join(users)} (selected with --only) depends on it; "
                "drop the --skip, or the --only that needs it"
            )
        chosen -= skipped | dependents
    return Selection(
        only=tuple(only),
        skip=tuple(skip),
        names=frozenset(chosen),
        pulled_in=tuple(sorted(pulled)),
        skipped_dependents=tuple(sorted(dependents & set(every) - skipped)),
        excluded=tuple(n for n in every if n not in chosen),
    )


def _matching(patterns: Sequence[str], kinds: Mapping[str, str], flag: str) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if pattern.startswith("type="):
            hits = {n for n, k in kinds.items() if fnmatchcase(k, pattern[len("type=") :])}
        else:
            hits = {n for n in kinds if fnmatchcase(n, pattern)}
        if not hits:
            raise UsageError(
                f"{flag} {pattern} matches no resource in the manifest or state; give a resource name "
                "(globs allowed: app-*) or type=KIND (e.g. type=vonage.number)"
            )
        found |= hits
    return found


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reverse(deps: Mapping[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, targets in deps.items():
        for t in targets:
            out.setdefault(t, set()).add(name)
    return out
