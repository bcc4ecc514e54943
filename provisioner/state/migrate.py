"""Copy a whole state from one backend to another (local <-> postgres, or between two of either).

``migrate_state(src, dst)`` holds both locks, refuses a destination that holds anything, writes the
source's snapshot (resources, intents, applied plans) with ``dst.restore``, then reads the
destination back through a fresh instance (no cache: what the next run will see) and compares.
The source is left as it was; retire it once the destination is in use.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import StateError
from .base import LockInfo, Snapshot, StateBackend, redact_secrets
from .local import LocalState


def migrate_state(src: StateBackend, dst: StateBackend, *, timeout: float = 0.0) -> int:
    """Copy `src` into the empty `dst`; return the number of resources copied."""
    if src.description == dst.description:
        raise StateError(f"cannot migrate state {src.description}: the source and the destination are the same")
    # The command line may name a state URL with its password; lock records are read by others.
    current = LockInfo.current()
    info = replace(current, command=redact_secrets(current.command))
    with src.lock(info, timeout=timeout), dst.lock(info, timeout=timeout):
        snap = src.read()
        _refuse_non_empty(dst)
        dst.restore(snap)
        _verify(snap, _fresh(dst).read(), dst.description)
    return len(snap.resources)


def _refuse_non_empty(dst: StateBackend) -> None:
    there = dst.read()
    if there.resources or there.intents or there.applied_plans:
        raise StateError(
            f"cannot migrate state into {dst.description}: it is not empty ({len(there.resources)} resources, "
            f"{len(there.intents)} interrupted creates); migrate only into a new state, or name another one "
            "(a new directory, or ?state=NAME for postgres)"
        )


def _fresh(backend: StateBackend) -> StateBackend:
    """Another instance on the same state, so the check reads storage, not this one's cache."""
    if isinstance(backend, LocalState):
        return LocalState(backend.directory)
    reopened = getattr(backend, "reopened", None)
    return reopened() if callable(reopened) else backend


def _verify(expected: Snapshot, got: Snapshot, where: str) -> None:
    problems = []
    if got.resources != expected.resources:
        problems.append(_diff("resources", expected.resources, got.resources))
    if got.intents != expected.intents:
        problems.append(_diff("intents", expected.intents, got.intents))
    if list(got.applied_plans) != list(expected.applied_plans):
        problems.append("applied plans differ")
    if problems:
        raise StateError(
            f"cannot migrate state into {where}: reading it back does not match the source ({'; '.join(problems)}); "
            "the source is unchanged: remove what was written to the destination and try again"
        )


def _diff(what: str, expected: dict, got: dict) -> str:
    names = sorted(n for n in expected.keys() | got.keys() if expected.get(n) != got.get(n))
    shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
    return f"{what} differ: {shown}"
