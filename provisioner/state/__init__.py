"""State backends: where provisioner remembers what it applied. See ``base`` for the model."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import StateError
from .base import (
    STATE_VERSION,
    IntentRecord,
    LockInfo,
    ResourceRecord,
    Snapshot,
    StateBackend,
    now_iso,
)
from .local import LocalState
from .migrate import migrate_state

__all__ = [
    "STATE_VERSION",
    "IntentRecord",
    "LocalState",
    "LockInfo",
    "ResourceRecord",
    "Snapshot",
    "StateBackend",
    "migrate_state",
    "now_iso",
    "open_state",
]

DEFAULT_DIRNAME = ".provision"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def open_state(spec: str | Path | None, base_dir: Path) -> StateBackend:
    """The backend named by `spec` (``--state``, ``PROVISION_STATE`` or the manifest's ``state:``).

    None or "" -> ``<base_dir>/.provision``; a path -> that directory (relative paths are taken
    from `base_dir`, the manifest's directory, so a run from elsewhere finds the same state);
    ``postgresql://...`` or ``postgres://...`` -> the postgres backend (``?schema=``, ``?state=``:
    see ``postgres``). Opening connects to nothing: the first read or write does.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return LocalState(Path(base_dir) / DEFAULT_DIRNAME)
    if isinstance(spec, str) and _URL.match(spec):
        scheme = spec.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            return _open_postgres(spec)
        # Never echo the URL: it may carry a password.
        raise StateError(f"cannot open state: unknown backend {scheme}://; use a directory or postgresql://")
    path = Path(spec).expanduser()
    if not path.is_absolute():
        path = Path(base_dir) / path
    return LocalState(path)


def _open_postgres(url: str) -> StateBackend:
    # Imported here so the tool works without psycopg until a postgres URL is used.
    try:
        from .postgres import PostgresState
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("psycopg"):
            raise
        raise StateError(
            "cannot open a postgresql:// state: the postgres backend needs psycopg; "
            "install it with `pip install 'psycopg[binary]>=3.2'`"
        ) from None
    return PostgresState(url)
