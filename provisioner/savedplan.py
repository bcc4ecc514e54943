"""Saved plans: ``plan --out FILE`` binds a plan to what it was made from; ``apply --plan FILE``
applies exactly that plan, once, or refuses having written nothing.

A saved plan (``schemas/plan.schema.json``) records the manifest files (as given, relative to the
working directory) with their sha256, the state serial, the ids of the live objects it touches
with a fingerprint of each, every planned change, and a checksum of itself. Before the first
write, ``apply --plan`` checks, in this order, and names everything that differs:

1. the file is intact (checksum) and of a format this provisioner reads;
2. the plan was not applied already (state remembers the ids of applied plans);
3. the manifest files are byte-identical;
4. the state is at the same serial (no apply, import or ``state`` command ran since);
5. a fresh plan — a new observation of every kind involved — yields the same changes, and every
   touched object's live fingerprint is unchanged (edited, deleted or created outside).

Anything else refuses; the fix is always to plan again and have the new plan reviewed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diff import flatten
from .errors import PlanError
from .model import Manifest
from .plan import PLAN_FORMAT_VERSION
from .render import checksum
from .state.base import Snapshot

MAX_REASONS = 25  # enough to act on; the rest are summarised in one line


def manifest_sources(manifest: Manifest, cwd: Path | None = None) -> dict[str, str]:
    """Each manifest file, relative to ``cwd`` where possible (CI checks out elsewhere) → the sha256
    of the bytes the loader read (files are not read again)."""
    here = (cwd or Path.cwd()).resolve()
    out: dict[str, str] = {}
    for path, digest in manifest.file_hashes.items():
        rel = os.path.relpath(path, here)
        out[Path(rel).as_posix() if not rel.startswith("..") else str(path)] = digest
    return out


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    doc: Mapping[str, Any]

    @property
    def plan_id(self) -> str:
        return str(self.doc["plan_id"])

    @property
    def files(self) -> dict[str, str]:
        return {f["path"]: f["sha256"] for f in self.doc["manifest"]["files"]}

    @property
    def destroy(self) -> bool:
        return bool(self.doc.get("destroy"))

    @property
    def only(self) -> tuple[str, ...]:
        return tuple((self.doc.get("targets") or {}).get("only", ()))

    @property
    def skip(self) -> tuple[str, ...]:
        return tuple((self.doc.get("targets") or {}).get("skip", ()))


def load(path: str | Path) -> SavedPlan:
    """Read a saved plan; refuse one that is unreadable, edited, or of another format."""
    p = Path(path)
    where = f"cannot apply {p}"
    try:
        doc = json.loads(p.read_text())
    except OSError as exc:
        raise PlanError(f"{where}: {exc.strerror}; write one with `provision plan PATH... --out {p}`") from exc
    except ValueError as exc:
        raise PlanError(f"{where}: not a JSON plan ({exc}); write one with `provision plan --out`") from exc
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanError(f"{where}: not a saved plan (no format_version); write one with `provision plan --out`")
    if doc["format_version"] != PLAN_FORMAT_VERSION:
        raise PlanError(
            f"{where}: it has plan format {doc['format_version']!r}, this provisioner reads "
            f"{PLAN_FORMAT_VERSION}; plan again with this version"
        )
    if doc.get("checksum") != checksum(doc):
        raise PlanError(f"{where}: the file was edited after it was written (checksum mismatch); plan again")
    if not doc.get("manifest", {}).get("files"):
        raise PlanError(f"{where}: it names no manifest file; plan again with `provision plan PATH... --out`")
    return SavedPlan(p, doc)


def check_bindings(saved: SavedPlan, sources: Mapping[str, str], snapshot: Snapshot) -> list[str]:
    """Why the plan cannot be applied before any API call: applied already, manifest or state changed."""
    at = snapshot.applied_plans.get(saved.plan_id)
    if at is not None:
        return [f"this plan was already applied (at {at}); a saved plan applies once — plan again"]
    reasons = []
    before = saved.files
    for name in sorted(before.keys() | sources.keys()):
        if name not in sources:
            reasons.append(f"manifest file {name} is no longer part of the manifest")
        elif name not in before:
            reasons.append(f"manifest file {name} was added since the plan")
        elif before[name] != sources[name]:
            reasons.append(f"manifest file {name} changed since the plan")
    serial = saved.doc.get("state_serial")
    if serial != snapshot.serial:
        reasons.append(
            f"the state changed since the plan (serial {serial} → {snapshot.serial}): another apply, import or "
            "state command ran"
        )
    return reasons


def check_fresh(saved: SavedPlan, fresh: Mapping[str, Any]) -> list[str]:
    """Why a fresh plan (a new observation) differs from the saved one, per resource."""
    then = {c["name"]: c for c in saved.doc.get("resource_changes", [])}
    now = {c["name"]: c for c in fresh.get("resource_changes", [])}
    reasons = []
    for name in sorted(then.keys() | now.keys()):
        a, b = then.get(name), now.get(name)
        if a is None:
            reasons.append(f"{name}: not in the saved plan, now would {b['action']}")  # type: ignore[index]
        elif b is None:
            reasons.append(f"{name}: the saved plan would {a['action']} it; now it is not planned at all")
        elif a["action"] != b["action"] or a.get("type") != b.get("type"):
            reasons.append(f"{name}: the saved plan would {a['action']} it; now the plan says {b['action']}")
        elif a.get("live_fingerprint") != b.get("live_fingerprint") and (a["action"] != "noop" or a.get("pending")):
            what = "was deleted" if b.get("live_fingerprint") is None else "changed"
            reasons.append(f"{name}: the {a.get('type')} {a.get('id') or ''} {what} in the account since the plan")
        elif _diffs(a) != _diffs(b):
            paths = sorted({d[0] for d in _diffs(a) ^ _diffs(b)})
            reasons.append(f"{name}: the planned change differs now ({', '.join(paths)})")
        elif a.get("refusal") != b.get("refusal") or a.get("removal") != b.get("removal"):
            reasons.append(f"{name}: what apply may do differs now ({b.get('refusal') or b.get('removal')})")
    if saved.doc.get("moved", []) != fresh.get("moved", []):
        reasons.append("the moved: renames to record differ now")
    return reasons


def refuse(saved: SavedPlan, reasons: Sequence[str]) -> PlanError:
    shown = list(reasons[:MAX_REASONS])
    if len(reasons) > MAX_REASONS:
        shown.append(f"… and {len(reasons) - MAX_REASONS} more")
    shown.append(f"nothing was written; run `provision plan ... --out {saved.path.name}` again and review the new plan")
    return PlanError(f"cannot apply {saved.path}: the saved plan is stale", shown)


def _diffs(change: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    out = {
        (d["path"], json.dumps(d.get("old"), sort_keys=True), json.dumps(d.get("new"), sort_keys=True))
        for d in change.get("changes", [])
    }
    after = change.get("after")  # a create's properties
    if isinstance(after, Mapping):
        out |= {(path, "", json.dumps(v, sort_keys=True)) for path, v in flatten(after).items()}
    return out
