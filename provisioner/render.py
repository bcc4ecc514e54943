"""Plans and apply results as text (terraform-style) or JSON. Pure formatting: no I/O.

Secrets never get here as values: sensitive fields arrive fingerprinted (``fp:…``) and are shown
as ``(sensitive, fp 3f9a…)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from .apply import PAST, ApplyResult, StepResult
from .diff import FP_PREFIX, flatten
from .kind import FieldChange
from .model import Unknown
from .plan import PLAN_FORMAT_VERSION, Action, Plan, ResourceChange, live_fingerprint, risks

_SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.IMPORT: "<=",
    Action.NOOP: " ",
}
_COLOR = {
    Action.CREATE: "32",
    Action.UPDATE: "33",
    Action.REPLACE: "35",
    Action.DELETE: "31",
    Action.IMPORT: "36",
    Action.NOOP: "0",
}
_PHRASE = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be deleted",
    Action.IMPORT: "will be imported (adopted)",
    Action.NOOP: "is up to date",
}


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color and code != "0" else text

    def bold(self, text: str) -> str:
        return self(text, "1")

    def dim(self, text: str) -> str:
        return self(text, "2")


def value(v: Any) -> str:
    if isinstance(v, Unknown):
        return "(known after apply)"
    if v is None:
        return "(none)"
    if isinstance(v, str) and v.startswith(FP_PREFIX):
        return f"(sensitive, fp {v[len(FP_PREFIX) : len(FP_PREFIX) + 8]}…)"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(v, ensure_ascii=False, default=str)


def _reason_tag(reasons: Iterable[str]) -> str:
    r = list(reasons)
    return f"[{', '.join(r)}]" if r else ""


def plan_text(plan: Plan, *, color: bool = False, show_noop: bool = False) -> str:
    s = Style(color)
    lines: list[str] = []
    drifted = [c for c in plan.changes if "drift" in c.reasons]
    if drifted:
        lines.append(s.bold("Objects changed outside provisioner (drift):"))
        for c in drifted:
            fields = [ch.path for ch in c.changes if "drift" in ch.reasons] or ["(the object itself)"]
            lines.append(f"  {c.name} ({c.kind}): " + ", ".join(fields))
        lines.append("")
    if plan.moved:
        lines.append(s.bold("Moved (renamed in state only; no API call):"))
        lines.extend(f"  {s('→', '36')} {old} is now {new}" for old, new in plan.moved)
        lines.append("")
    if plan.selection is not None:
        lines.extend(_targeting(plan, s))
    changed = [c for c in plan.changes if c.is_change or show_noop]
    if changed:
        lines.append(s.bold("Planned changes:") + s.dim("  (+ create, ~ update, -/+ replace, - delete, <= import)"))
    for c in changed:
        lines.extend(_resource_block(c, s))
    if plan.waiting:
        lines.append(s.bold("Waiting for the provider:"))
        for c in plan.waiting:
            if c.failed:
                lines.append(f"  {s('✗', '31')} {c.name} ({c.kind}): failed — {c.failed}")
            else:
                lines.append(f"  {s('…', '33')} {c.name} ({c.kind}): {c.pending}; apply waits for it")
            for note in c.notes:  # e.g. an edit the provider takes only after the wait
                lines.append(s.dim(f"      note: {note}"))
        lines.append("")
    if plan.refusals:
        lines.append(s("Refused:", "31;1"))
        for c in plan.refusals:
            lines.append("  " + s("✗ ", "31") + (c.refusal or ""))
        lines.append("")
    summary = plan.summary()
    if not plan.has_changes and plan.waiting:
        lines.append(s("No changes to make;", "33;1") + f" {len(plan.waiting)} resource(s) not converged yet.")
    elif not plan.has_changes:
        lines.append(s("No changes.", "32;1") + f" {summary['noop']} resource(s) match the manifest.")
    else:
        # disable/forget appear only when some kind's API cannot delete (Kind.removal)
        extra = "".join(f", {summary[k]} to {k}" for k in ("disable", "forget") if summary.get(k))
        lines.append(
            s.bold("Plan:")
            + f" {summary['create']} to create, {summary['update']} to update, {summary['replace']} to replace, "
            f"{summary['delete']} to delete{extra}, {summary['import']} to import, {summary['noop']} unchanged"
            + (f", {summary['move']} to move." if summary.get("move") else ".")
        )
    lines.append(s.dim(f"API calls: {plan.reads} read(s) made; {plan.writes} write(s) to make."))
    return "\n".join(lines)


def _targeting(plan: Plan, s: Style) -> list[str]:
    sel = plan.selection
    assert sel is not None
    lines = [s("Targeted plan:", "33;1") + f" {len(sel.names)} resource(s) selected"]
    if sel.only:
        lines.append(f"  --only {' '.join(sel.only)}")
    if sel.pulled_in:
        lines.append(f"  pulled in as dependencies: {', '.join(sel.pulled_in)}")
    if sel.skip:
        lines.append(f"  --skip {' '.join(sel.skip)}")
    if sel.skipped_dependents:
        lines.append(f"  also skipped (they depend on a skipped resource): {', '.join(sel.skipped_dependents)}")
    if sel.excluded:
        lines.append(s.dim(f"  {len(sel.excluded)} other resource(s) were not planned; a full plan may show more"))
    lines.append("")
    return lines


def _resource_block(c: ResourceChange, s: Style) -> list[str]:
    code = _COLOR[c.action]
    tag = "" if c.action in (Action.CREATE, Action.DELETE) and c.reasons == ("config",) else _reason_tag(c.reasons)
    ident = f" id={c.live.id}" if c.live is not None and c.action is not Action.CREATE else ""
    head = f"  {s(_SYMBOL[c.action], code)} {s.bold(c.name)} ({c.kind}) {_PHRASE[c.action]}{s.dim(ident)}"
    if c.refusal:
        head = f"  {s('✗', '31')} {s.bold(c.name)} ({c.kind}) {c.action.value} refused{s.dim(ident)}"
    elif c.action is Action.DELETE and c.removal == "disable":
        head = f"  {s('-', code)} {s.bold(c.name)} ({c.kind}) will be disabled (the API has no delete){s.dim(ident)}"
    elif c.action is Action.DELETE and c.removal == "forget":
        head = (
            f"  {s('-', code)} {s.bold(c.name)} ({c.kind}) will be forgotten: the API has no delete; "
            f"it stays in the account{s.dim(ident)}"
        )
    elif c.retain and c.action is Action.DELETE:
        head = f"  {s('-', code)} {s.bold(c.name)} ({c.kind}) will be forgotten (kept in the account){s.dim(ident)}"
    lines = [head + (f"  {s(tag, '33')}" if tag else "")]
    if c.action is Action.CREATE:
        for path, v in flatten(_display(c)).items():  # manifest order
            lines.append(f"      {s('+', code)} {path}: {value(v)}")
    elif c.changes:
        lines.extend(_field_lines(c.changes, c.action, s))
        hidden = _unchanged_count(c)
        if hidden:
            lines.append(s.dim(f"      ({hidden} unchanged field(s) hidden)"))
    if not c.refusal:  # a refused change's notes describe what will not happen
        for note in c.notes:
            lines.append(s.dim(f"      note: {note}"))
    lines.append("")
    return lines


def _display(c: ResourceChange) -> dict[str, Any]:
    from . import registry
    from .diff import redact

    kind = registry.get(c.kind)
    return redact(c.desired or {}, kind.sensitive)


def _field_lines(changes: list[FieldChange], action: Action, s: Style) -> list[str]:
    out = []
    for ch in changes:
        why = s.dim(f"  {_reason_tag(ch.reasons)}") if ch.reasons else ""
        forces = (
            s(" (forces replacement)", "35")
            if action is Action.REPLACE and ch.path.split(".")[0] in _replace_fields()
            else ""
        )
        if ch.old is None:
            out.append(f"      {s('+', '32')} {ch.path}: {value(ch.new)}{forces}{why}")
        elif ch.new is None:
            out.append(f"      {s('-', '31')} {ch.path}: {value(ch.old)} → (removed){why}")
        else:
            out.append(f"      {s('~', '33')} {ch.path}: {value(ch.old)} → {value(ch.new)}{forces}{why}")
    return out


def _replace_fields() -> set[str]:
    from . import registry

    return {f for k in registry.all_kinds().values() for f in k.replace_on}


def _unchanged_count(c: ResourceChange) -> int:
    if c.desired is None:
        return 0
    return max(0, len(flatten(c.desired)) - len(c.changes))


# ---------------------------------------------------------------- JSON
def plan_json(plan: Plan) -> dict[str, Any]:
    """The machine-readable plan (``schemas/plan.schema.json``), also the ``--out`` file that
    ``apply --plan`` takes: it carries what the plan is bound to and a checksum of itself."""
    doc = {
        "format_version": PLAN_FORMAT_VERSION,
        "plan_id": plan.plan_id,
        "created": plan.created,
        "destroy": plan.destroy,
        "manifest": {"files": [{"path": p, "sha256": h} for p, h in plan.sources.items()]},
        "manifest_hash": plan.manifest_hash,
        "state_serial": plan.state_serial,
        "targets": plan.selection.to_json() if plan.selection else None,
        "moved": [{"from": old, "to": new} for old, new in plan.moved],
        "summary": plan.summary(),
        "resource_changes": [_change_json(c) for c in plan.changes],
        "refusals": [c.refusal for c in plan.refusals],
        "api_calls": {"reads": plan.reads, "writes": plan.writes},
    }
    doc["checksum"] = checksum(doc)
    return doc


def checksum(doc: dict[str, Any]) -> str:
    """Digest of a plan document without its checksum: an edited saved plan is refused."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=_json_default)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _after(c: ResourceChange) -> dict[str, Any]:
    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return _jsonable(v)

    return plain(_display(c))  # type: ignore[no-any-return]


def _jsonable(v: Any) -> Any:
    if isinstance(v, Unknown):
        return {"unknown": True}
    return v


def _change_json(c: ResourceChange) -> dict[str, Any]:
    return {
        "name": c.name,
        "type": c.kind,
        "provider": c.kind.split(".", 1)[0],
        "action": c.action.value,
        "reason": list(c.reasons),
        "id": c.live.id if c.live is not None else None,
        "changes": [
            {
                "path": ch.path,
                "old": _jsonable(ch.old),
                "new": _jsonable(ch.new),
                "reason": list(ch.reasons),
                "sensitive": ch.sensitive,
            }
            for ch in c.changes
        ],
        "writes": c.writes,
        "retain": c.retain,
        "removal": c.removal if c.action in (Action.DELETE, Action.REPLACE) else None,
        "pending": c.pending,
        "failed": c.failed,
        "notes": list(c.notes),
        "refusal": c.refusal,
        # what a create sends (secrets fingerprinted): reviewers see it, and apply --plan binds to it
        "after": _after(c) if c.action is Action.CREATE else None,
        "risks": risks(c),
        "dependencies": list(c.dependencies),
        "live_fingerprint": live_fingerprint(c),
    }


def _json_default(o: Any) -> Any:
    return _jsonable(o) if isinstance(o, Unknown) else str(o)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=_json_default)


# ---------------------------------------------------------------- apply progress and summary
def step_line(result: StepResult, *, color: bool = False) -> str:
    s = Style(color)
    if result.status == "done":
        verb = PAST.get(result.action, result.action)
        ident = f" (id {result.id})" if result.id else ""
        note = f"; {result.message}" if result.message else ""
        return f"  {s('✓', '32')} {result.name}: {verb}{ident} — {result.writes} call(s), {result.seconds:.2f}s{note}"
    if result.status == "pending":
        return f"  {s('…', '33')} {result.name}: {result.action} sent; {result.message}"
    if result.status in ("skipped", "not_started"):
        return f"  {s('-', '33')} {result.name}: {result.message}"
    return f"  {s('✗', '31')} {result.name}: {result.message}"


def wait_line(step: StepResult, *, color: bool = False) -> str:
    s = Style(color)
    return f"  {s('…', '33')} {step.name}: waiting — {step.message or 'pending'} ({step.seconds:.0f}s)"


def apply_summary(result: ApplyResult, *, color: bool = False) -> str:
    """One line when everything converged; otherwise also, per resource, exactly which write calls
    landed (all recorded in state), what failed, what was skipped and what never started."""
    s = Style(color)
    acted = [r for r in result.steps if not (r.action == "noop" and r.status == "done")]
    counts: dict[str, int] = {}
    for r in acted:
        if r.status == "done":
            counts[PAST.get(r.action, r.action)] = counts.get(PAST.get(r.action, r.action), 0) + 1
    writes = sum(r.writes for r in result.steps)
    landed = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no resource completed"
    if result.interrupted:
        head = s("Apply interrupted:", "31;1")
    else:
        head = s("Apply complete:", "32;1") if result.ok else s("Apply incomplete:", "31;1")
    lines = [f"{head} {landed}. {writes} write call(s) made."]
    if result.ok:
        return "\n".join(lines)
    with_calls = [r for r in result.steps if r.landed]
    if with_calls:
        lines.append("  Landed (recorded in state):")
        lines.extend(f"    {r.name}: " + ", ".join(str(c) for c in r.landed) for r in with_calls)
    for status, title in (
        ("failed", "Failed"),
        ("pending", "Pending (the next run checks them again)"),
        ("skipped", "Skipped (a dependency failed)"),
        ("not_started", "Not started (the run was interrupted)"),
    ):
        names = [r.name for r in result.steps if r.status == status]
        if names:
            lines.append(f"  {title}: {', '.join(names)}")
    return "\n".join(lines)


def step_json(r: StepResult) -> dict[str, Any]:
    return {
        "name": r.name,
        "type": r.kind,
        "action": r.action,
        "status": r.status,
        "message": r.message,
        "writes": r.writes,
        "seconds": round(r.seconds, 3),
        "id": r.id,
        "calls": [{"method": c.method, "path": c.path, "status": c.status, "landed": c.landed} for c in r.calls],
    }


def apply_json(result: ApplyResult) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in result.steps:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {
        "ok": result.ok,
        "interrupted": result.interrupted,
        "counts": counts,
        "steps": [step_json(r) for r in result.steps],
        "api_calls": {"writes": sum(r.writes for r in result.steps)},
    }
