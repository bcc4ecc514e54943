"""Read-only drift detection: how the accounts differ from what was last applied.

Built on the planner's observation (so it costs one paginated walk per kind) and never able to
write: the workspace that runs it uses read-only HTTP hosts that refuse anything but GET.

Each managed resource is one of:
    in_sync         live matches what was last applied
    drifted         live fields changed outside provisioner (listed with last-applied vs live)
    missing         deleted outside provisioner
    pending         an asynchronous operation has not converged yet
    failed          the provider reports it failed (rejected template, failed provisioning)
    not_applied     declared in the manifest but never applied (a config change, not drift)
and every live object of a kind in play that no manifest resource or state record claims is
``unmanaged`` — or ``dormant`` when the kind says it does nothing (a disabled object the API cannot
delete, e.g. one provisioner disabled when it left the manifest): listed, but not drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from . import registry
from .diff import get_path
from .ignorefile import IgnoreRule, IgnoreSet
from .kind import FieldChange
from .plan import Action, Plan

DRIFT_STATUSES = ("drifted", "missing", "unmanaged")
STATUSES = ("drifted", "missing", "unmanaged", "in_sync", "pending", "failed", "not_applied", "dormant", "ignored")


@dataclass
class DriftItem:
    name: str
    kind: str
    status: str
    id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    message: str = ""
    policy: str | None = None  # missing: what plan will do (recreate | fail: a person decides)
    ignored_by: IgnoreRule | None = None  # status "ignored": the .provisionignore rule


@dataclass
class DriftReport:
    items: list[DriftItem]
    reads: int
    expired_ignores: list[IgnoreRule] = field(default_factory=list)  # waivers past their date

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for item in self.items:
            out[item.status] += 1
        return out

    @property
    def has_drift(self) -> bool:
        return any(i.status in DRIFT_STATUSES for i in self.items)


def drift_report(plan: Plan, ignores: IgnoreSet | None = None) -> DriftReport:
    """Classify a plan made against last-applied state into a drift report. ``ignores`` (the
    ``.provisionignore`` rules) turn matching missing and unmanaged objects into "ignored"; the
    plan has already set aside the drifted fields they match (``ResourceChange.ignored``)."""
    ignores = ignores or IgnoreSet()
    items: list[DriftItem] = []
    claimed: set[tuple[str, str]] = set()
    for c in plan.changes:
        if c.live is not None:
            claimed.add((c.kind, c.live.id))
        if c.record is not None:
            claimed.add((c.kind, c.record.id))
        ident = c.live.id if c.live is not None else (c.record.id if c.record else None)
        last = c.record.properties if c.record is not None else {}
        drifted = [replace(ch, new=get_path(last, ch.path)) for ch in c.changes if "drift" in ch.reasons]
        if c.action is Action.CREATE and "drift" in c.reasons:
            rule = ignores.match(c.name, c.kind, ident)
            policy = c.options.on_missing or registry.get(c.kind).default_on_missing
            if rule is not None:
                items.append(DriftItem(c.name, c.kind, "ignored", ident, message="missing", ignored_by=rule))
            else:
                why = "deleted outside provisioner" + (
                    "; a person must decide (on_missing: fail)" if policy == "fail" else ""
                )
                items.append(DriftItem(c.name, c.kind, "missing", ident, message=why, policy=policy))
        elif c.record is None and c.action in (Action.CREATE, Action.IMPORT):
            items.append(DriftItem(c.name, c.kind, "not_applied", ident))
        elif c.action is Action.DELETE:
            continue  # removed from the manifest: a config change, reported by plan
        elif drifted:
            items.append(DriftItem(c.name, c.kind, "drifted", ident, drifted))
        elif c.ignored:
            fields = ", ".join(ch.path for ch, _ in c.ignored)
            items.append(DriftItem(c.name, c.kind, "ignored", ident, message=fields, ignored_by=c.ignored[0][1]))
        elif c.failed:
            items.append(DriftItem(c.name, c.kind, "failed", ident, message=c.failed))
        elif c.pending:
            items.append(DriftItem(c.name, c.kind, "pending", ident, message=c.pending))
        else:
            items.append(DriftItem(c.name, c.kind, "in_sync", ident))
    if plan.observation is not None:
        for kind_name, objects in sorted(plan.observation.by_kind.items()):
            kind = registry.get(kind_name)
            for oid, live in sorted(objects.items()):
                if (kind_name, oid) not in claimed:
                    label = live.properties.get("name") or live.properties.get("display_name") or ""
                    status = "dormant" if kind.dormant(live) else "unmanaged"
                    rule = ignores.match(None, kind_name, oid) if status == "unmanaged" else None
                    items.append(
                        DriftItem(
                            f"({kind.title or kind_name})",
                            kind_name,
                            "ignored" if rule else status,
                            oid,
                            message=str(label),
                            ignored_by=rule,
                        )
                    )
    return DriftReport(items, plan.reads, list(ignores.expired))


def drift_json(report: DriftReport) -> dict[str, Any]:
    from .render import _jsonable

    return {
        "format_version": 1,
        **report.counts(),
        "api_calls": {"reads": report.reads, "writes": 0},
        "expired_ignores": [r.to_json() for r in report.expired_ignores],
        "resources": [
            {
                "name": i.name,
                "type": i.kind,
                "status": i.status,
                "id": i.id,
                "message": i.message,
                "policy": i.policy,
                "ignored_by": i.ignored_by.to_json() if i.ignored_by else None,
                "changes": [
                    {
                        "path": c.path,
                        "last_applied": _jsonable(c.new),
                        "live": _jsonable(c.old),
                        "sensitive": c.sensitive,
                    }
                    for c in i.changes
                ],
            }
            for i in report.items
        ],
    }


def drift_text(report: DriftReport) -> str:
    from .render import value

    lines = []
    order = ("drifted", "missing", "failed", "pending", "unmanaged", "dormant", "ignored", "not_applied")
    labels = {
        "drifted": "Drifted (changed outside provisioner)",
        "missing": "Missing (deleted outside provisioner)",
        "failed": "Failed",
        "pending": "Pending (not converged yet)",
        "unmanaged": "Unmanaged (in the account, in no manifest)",
        "dormant": "Dormant (disabled, kept by the provider, in no manifest; not drift)",
        "not_applied": "Not applied yet",
        "ignored": "Ignored (known drift silenced by .provisionignore)",
    }
    for status in order:
        group = [i for i in report.items if i.status == status]
        if not group:
            continue
        lines.append(f"{labels[status]}:")
        for i in group:
            extra = f" — {i.message}" if i.message else ""
            lines.append(f"  {i.name} ({i.kind}) {i.id or ''}{extra}")
            for c in i.changes:
                lines.append(f"      {c.path}: last applied {value(c.new)}, live {value(c.old)}")
            if i.ignored_by is not None:
                rule = i.ignored_by
                extra = "".join(f", {k} {v}" for k, v in (("until", rule.expires), ("owner", rule.owner)) if v)
                lines.append(f"      by {rule.source}{extra}" + (f": {rule.reason}" if rule.reason else ""))
        lines.append("")
    if report.expired_ignores:
        lines.append("Expired .provisionignore rules (they silence nothing now; renew or remove them):")
        for rule in report.expired_ignores:
            reason = f" — {rule.reason}" if rule.reason else ""
            lines.append(f"  {rule.text} expired {rule.expires} ({rule.source}){reason}")
        lines.append("")
    counts = report.counts()
    verdict = "Drift found." if report.has_drift else "No drift."
    lines.append(
        f"{verdict} {counts['in_sync']} in sync, {counts['drifted']} drifted, {counts['missing']} missing, "
        f"{counts['unmanaged']} unmanaged, {counts['pending']} pending"
        + (f", {counts['ignored']} ignored" if counts["ignored"] else "")
        + f". {report.reads} read call(s), 0 writes."
    )
    return "\n".join(lines)
