"""Observe, then decide: manifest + state + live objects → an ordered plan. Never writes.

Observation walks each kind's list endpoint once (kinds in parallel). Each manifest resource is
matched to a live object by natural key, else by the id recorded in state, else — after a crash —
by the evidence in its intent record. The three-way diff then picks the action:

    nothing live, nothing recorded      create  (config)
    recorded but gone from the account  create  (drift: deleted outside)
    live by natural key, not recorded   import  (plus the updates it needs)
    live and recorded, fields differ    update, or replace when a replace-forcing field changed
    live and recorded, in sync          noop
    recorded, no longer in the manifest delete  (or forget, per options.on_delete; or disable /
                                        forget when the kind's API cannot delete: Kind.removal)

Protected resources, and non-fungible ones (phone numbers) without an explicit ``on_delete``,
are never replaced or released: the plan carries a refusal saying which option would allow it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from graphlib import TopologicalSorter
from typing import Any

from . import registry
from .diff import compare, get_path, reasons_of, redact
from .errors import PlanError
from .graph import dependency_order
from .http import CallCounter
from .ignorefile import IgnoreRule, IgnoreSet
from .kind import FieldChange, Kind
from .model import (
    UNKNOWN,
    DesiredResource,
    LiveObject,
    Manifest,
    OnDelete,
    Options,
    ReadinessState,
    Ref,
    Template,
    Unknown,
)
from .state.base import IntentRecord, ResourceRecord, Snapshot, now_iso
from .targets import Selection, select

PLAN_FORMAT_VERSION = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    IMPORT = "import"
    NOOP = "noop"


@dataclass
class ResourceChange:
    """What the plan will do to one resource, and why."""

    name: str
    kind: str
    action: Action
    reasons: tuple[str, ...] = ()
    changes: list[FieldChange] = field(default_factory=list)
    desired: dict[str, Any] | None = None  # resolved, prepared properties (may hold UNKNOWN)
    live: LiveObject | None = None  # the object acted on (for replace: the old one)
    record: ResourceRecord | None = None
    options: Options = field(default_factory=Options)
    dependencies: tuple[str, ...] = ()
    writes: int = 0
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None
    retain: bool = False  # delete that only stops managing (on_delete: retain, or removal "forget")
    removal: str = "delete"  # how a delete (or a replace's old half) lets go: delete | disable | forget
    recovered: bool = False  # adopted after an interrupted create
    pending: str | None = None  # live object not yet converged (review, provisioning): apply waits
    failed: str | None = None  # live object in a failed state (rejected, provisioning failed)
    ignored: list[tuple[FieldChange, IgnoreRule]] = field(default_factory=list)  # drift .provisionignore silences

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NOOP


@dataclass
class Plan:
    changes: list[ResourceChange]  # execution order: creates/updates by dependency, then deletes reversed
    reads: int
    manifest_hash: str
    state_serial: int
    destroy: bool = False
    observation: Observation | None = field(default=None, repr=False, compare=False)
    moved: list[tuple[str, str]] = field(default_factory=list)  # ``moved:`` renames apply makes in state
    selection: Selection | None = None  # --only/--skip; None: every resource
    sources: dict[str, str] = field(default_factory=dict)  # manifest file (as given) → sha256, for saved plans
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(default_factory=now_iso)

    @property
    def writes(self) -> int:
        return sum(c.writes for c in self.changes)

    @property
    def refusals(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.refusal]

    @property
    def has_changes(self) -> bool:
        return bool(self.moved) or any(c.is_change for c in self.changes)

    @property
    def waiting(self) -> list[ResourceChange]:
        """Unchanged resources whose live object is still converging (or failed to)."""
        return [c for c in self.changes if c.action is Action.NOOP and (c.pending or c.failed)]

    def summary(self) -> dict[str, int]:
        counts = {
            a.value: 0
            for a in (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE, Action.IMPORT, Action.NOOP)
        }
        counts.update(disable=0, forget=0)  # removals of kinds whose API cannot delete
        for c in self.changes:
            counts[c.action.value if c.action is not Action.DELETE or c.removal == "delete" else c.removal] += 1
        counts["pending"] = sum(1 for c in self.changes if c.pending)
        counts["move"] = len(self.moved)
        return counts


# ---------------------------------------------------------------- observation
@dataclass
class Observation:
    """Every live object of every kind in play, indexed by provider identity."""

    by_kind: dict[str, dict[str, LiveObject]]
    reads: int

    def find(self, kind: str, object_id: str | None) -> LiveObject | None:
        if object_id is None:
            return None
        return self.by_kind.get(kind, {}).get(object_id)


def observe(
    kinds: Sequence[str],
    clients: Mapping[str, Any],
    counter: CallCounter,
    scopes: Mapping[str, Sequence[tuple[str, ...]]] | None = None,
) -> Observation:
    """One paginated walk per kind (per parent object for child kinds, which the API lists only
    under their parent; per scope for ``observe_by`` kinds, from ``scopes``); independent kinds are
    read concurrently, parents before children."""
    before = counter.reads
    wanted = set(kinds)
    for name in list(wanted):
        parent = registry.get(name).parent
        while parent:
            wanted.add(parent)
            parent = registry.get(parent).parent
    by_kind: dict[str, dict[str, LiveObject]] = {}

    def walk(kind_name: str) -> tuple[str, dict[str, LiveObject]]:
        kind = registry.get(kind_name)
        client = clients[kind.provider]
        if kind.parent:
            objects = kind.observe_under(client, list(by_kind[kind.parent].values()))
        elif kind.observe_by:
            objects = kind.observe_scoped(client, list((scopes or {}).get(kind_name, ())))
        else:
            objects = kind.observe(client)
        return kind_name, {o.id: o for o in objects}

    remaining = sorted(wanted)
    while remaining:  # waves: every kind whose parent is already observed
        wave = [k for k in remaining if registry.get(k).parent in (None, *by_kind)]
        remaining = [k for k in remaining if k not in wave]
        if len(wave) <= 1:
            results = [walk(k) for k in wave]
        else:
            with ThreadPoolExecutor(max_workers=min(8, len(wave))) as pool:
                results = list(pool.map(walk, wave))
        by_kind.update(results)
    return Observation(by_kind, counter.reads - before)


# ---------------------------------------------------------------- references
Lookup = Callable[[Ref], Any]


def resolve(value: Any, lookup: Lookup) -> Any:
    """Replace references by their values (UNKNOWN when only known after apply)."""
    if isinstance(value, Ref):
        return lookup(value)
    if isinstance(value, Template):
        parts = [lookup(p) if isinstance(p, Ref) else p for p in value.parts]
        if any(isinstance(p, Unknown) for p in parts):
            return UNKNOWN
        return "".join(str(p) for p in parts)
    if isinstance(value, Mapping):
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    return value


@dataclass
class Known:
    """What the rest of the plan (or apply) can know about a resource: attributes + properties."""

    attributes: Mapping[str, Any]
    properties: Mapping[str, Any]


def make_lookup(known: Mapping[str, Known]) -> Lookup:
    def lookup(ref: Ref) -> Any:
        entry = known.get(ref.resource)
        if entry is None:
            return UNKNOWN
        head = ref.attr.split(".", 1)[0]
        if head in entry.attributes and "." not in ref.attr:
            return entry.attributes[head]
        node: Any = entry.properties
        for part in ref.attr.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return UNKNOWN
            node = node[part]
        return node

    return lookup


def view(kind: Kind, props: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[type-arg]
    """The comparable form of properties: provider defaults filled in, sensitive values fingerprinted.
    Desired, live and last-applied (state stores exactly this) all meet in this form."""
    return redact(kind.normalize(props), kind.sensitive)


# ---------------------------------------------------------------- planning
def build_plan(
    manifest: Manifest,
    snapshot: Snapshot,
    clients: Mapping[str, Any],
    counter: CallCounter,
    *,
    destroy: bool = False,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    ignores: IgnoreSet | None = None,
) -> Plan:
    """The plan for ``manifest`` against ``snapshot`` and the live accounts. ``only``/``skip`` narrow
    it to some resources (``targets.select``: dependencies pulled in, dependents of skips left out)."""
    declared: Mapping[str, DesiredResource] = {} if destroy else manifest.resources
    snapshot, moved = apply_moves(manifest.moved, snapshot)
    selection = select(declared, snapshot, only, skip)
    desired = {n: r for n, r in declared.items() if selection is None or n in selection}
    recorded = {n: r for n, r in snapshot.resources.items() if selection is None or n in selection}
    kinds = {r.kind for r in desired.values()} | {r.kind for r in recorded.values()}
    kinds |= {i.kind for i in snapshot.intents.values() if i.name in desired}
    observation = observe(sorted(kinds), clients, counter, observe_scopes(kinds, desired, snapshot))
    claimed = {(r.kind, r.id) for r in snapshot.resources.values()}

    known: dict[str, Known] = {}
    lookup = make_lookup(known)
    changes: list[ResourceChange] = []
    for name in dependency_order(desired):
        change = _plan_resource(desired[name], snapshot, observation, claimed, lookup, manifest, ignores)
        changes.append(change)
        claimed.add((change.kind, change.live.id) if change.live else ("", ""))
        known[name] = _known_after(change)

    removed = [n for n in _removed(declared, snapshot) if selection is None or n in selection]
    changes.extend(_plan_deletes(removed, snapshot, observation))
    _check_limits(changes, observation)
    plan = Plan(changes, observation.reads, manifest.content_hash, snapshot.serial, destroy, observation, moved)
    plan.selection = selection
    return plan


def apply_moves(moves: Sequence[tuple[str, str]], snapshot: Snapshot) -> tuple[Snapshot, list[tuple[str, str]]]:
    """The state as the ``moved:`` entries rename it, and the renames still to record. An entry
    whose old name state no longer knows was recorded by an earlier apply: nothing to do."""
    done: list[tuple[str, str]] = []
    for old, new in moves:
        if old not in snapshot.resources and old not in snapshot.intents:
            continue
        if new in snapshot.resources or new in snapshot.intents:
            raise PlanError(
                f"cannot move {old} to {new}: state already has both; `provision state rm` the stale one "
                "(see `provision state list`), or remove the moved: entry"
            )
        snapshot = snapshot.renamed(old, new)
        done.append((old, new))
    return snapshot, done


def observe_scopes(
    kinds: set[str], desired: Mapping[str, DesiredResource], snapshot: Snapshot
) -> dict[str, list[tuple[str, ...]]]:
    """For each ``observe_by`` kind, every key its resources name, in the manifest (references
    resolved through state: an object not created yet has nothing to list) and in state."""
    recorded = {n: Known(r.attributes, r.properties) for n, r in snapshot.resources.items()}
    lookup = make_lookup(recorded)
    out: dict[str, list[tuple[str, ...]]] = {}
    for name in sorted(kinds):
        kind = registry.get(name)
        if not kind.observe_by:
            continue
        sources = [resolve(r.properties, lookup) for r in desired.values() if r.kind == name]
        sources += [r.properties for r in snapshot.resources.values() if r.kind == name]
        found: set[tuple[str, ...]] = set()
        for props in sources:
            values = tuple(get_path(props, path) for path in kind.observe_by)
            if all(isinstance(v, str) and v for v in values):
                found.add(values)  # type: ignore[arg-type]
        out[name] = sorted(found)
    return out


def _check_limits(changes: list[ResourceChange], observation: Observation) -> None:
    """Refuse creates that would exceed a kind's per-scope limit, before anything is written."""
    for kind_name in {c.kind for c in changes}:
        kind = registry.get(kind_name)
        if kind.limit is None:
            continue
        count: dict[str, int] = {}
        for live in observation.by_kind.get(kind_name, {}).values():
            scope = kind.scope(live.properties)
            count[scope] = count.get(scope, 0) + 1
        mine = [c for c in changes if c.kind == kind_name]
        for c in mine:
            props = c.desired if c.action is not Action.DELETE else (c.live.properties if c.live else None)
            if props is None:
                continue
            scope = kind.scope(props)
            if c.action is Action.CREATE or (c.action is Action.REPLACE and c.retain):
                count[scope] = count.get(scope, 0) + 1  # a replace that keeps the old object adds one
            elif c.action is Action.DELETE and c.live is not None and not c.retain and not c.refusal:
                count[scope] = count.get(scope, 0) - 1
        for c in mine:
            if c.action is not Action.CREATE or c.desired is None or c.refusal:
                continue
            scope = kind.scope(c.desired)
            if count.get(scope, 0) > kind.limit:
                where = "the project" if scope == "project" else scope
                c.refusal = (
                    f"cannot create {c.name}: {kind.title or kind_name} is limited to {kind.limit} per "
                    f"{'project' if scope == 'project' else 'parent'}, and this plan would leave {count[scope]} in "
                    f"{where}; delete some first (unmanaged ones too), or remove resources from the manifest"
                )


def _known_after(change: ResourceChange) -> Known:
    props = change.desired or {}
    if change.action in (Action.CREATE, Action.REPLACE) or change.live is None:
        return Known({}, props)
    return Known(change.live.attributes, props)


def _plan_resource(
    res: DesiredResource,
    snapshot: Snapshot,
    observation: Observation,
    claimed: set[tuple[str, str]],
    lookup: Lookup,
    manifest: Manifest,
    ignores: IgnoreSet | None = None,
) -> ResourceChange:
    kind = registry.get(res.kind)
    props = kind.prepare(resolve(res.properties, lookup), manifest.base_dir)
    record = snapshot.resources.get(res.name)
    if record is not None and record.kind != res.kind:
        record = None  # a different kind under the same name: the old one is deleted separately
    change = ResourceChange(
        res.name,
        res.kind,
        Action.NOOP,
        desired=props,
        record=record,
        options=res.options,
        dependencies=tuple(sorted(res.dependencies())),
    )
    natural_id = kind.natural_id(props)
    live = observation.find(res.kind, natural_id) if natural_id else None
    if natural_id is None and record is not None:
        live = observation.find(res.kind, record.id)
    if record is None and live is None and res.options.import_id is not None:
        live = find_object(observation.by_kind.get(res.kind, {}), res.options.import_id)
        if live is not None and (res.kind, live.id) in claimed:
            change.refusal = (
                f"cannot import {res.name}: {live.id} (options.import) is already managed by another resource"
            )
            live = None
        elif live is None:
            change.refusal = (
                f"cannot import {res.name}: no {kind.title or res.kind} with id {res.options.import_id} in the "
                "account (options.import); check the id (`provision drift` lists unmanaged objects with their "
                "ids), or remove options.import to create a new one"
            )

    if record is not None and natural_id is not None and record.id != natural_id:
        # The identity itself changed (e.g. another msisdn): a different object replaces this one.
        old = observation.find(res.kind, record.id)
        change.action, change.reasons, change.live = Action.REPLACE, ("config",), old
        change.changes = compare(kind, view(kind, props), record.properties, view(kind, old.properties) if old else {})
        change.changes = [c for c in change.changes if c.path in kind.natural_key] or change.changes
        _refuse_replace(kind, change)
    elif record is None and live is None:
        intent = snapshot.intents.get(res.name)
        recovered = _recover(kind, intent, observation, claimed) if intent else None
        if recovered is not None:
            change.live, change.recovered = recovered, True
            change.notes.append("found the object an interrupted run created; adopting it instead of creating another")
            _plan_import(kind, change, props, res.options)
        else:
            change.action, change.reasons = Action.CREATE, ("config",)
    elif record is None:
        change.live = live
        intent = snapshot.intents.get(res.name)
        if intent is not None and intent.natural_id == live.id:
            change.recovered = True
            change.notes.append("found the object an interrupted run created; adopting it instead of creating another")
        _plan_import(kind, change, props, res.options)
    elif live is None:
        change.action, change.reasons = Action.CREATE, ("drift",)
        change.notes.append(
            f"{kind.title or 'object'} {record.id} no longer exists in the account (deleted outside "
            "provisioner); it will be created again"
        )
        if (res.options.on_missing or kind.default_on_missing) == "fail":
            change.refusal = (
                f"cannot recreate {res.name}: {kind.title or 'object'} {record.id} was deleted outside provisioner "
                "and may be gone for good (a released number is not always available again); set "
                "options.on_missing: recreate to create it again, or remove it from the manifest (or run "
                f"`provision state rm {res.name}`) to stop managing it"
            )
        elif kind.non_fungible:
            change.notes.append("a released number can only be bought back if it is still available")
    else:
        change.live = live
        change.changes = compare(
            kind, view(kind, props), record.properties, view(kind, live.properties), res.options.ignore_changes
        )
        if ignores:
            _ignore_drift(change, ignores)
        if change.changes:
            forced = [c.path for c in change.changes if c.path.split(".")[0] in kind.replace_on]
            change.action = Action.REPLACE if forced else Action.UPDATE
            change.reasons = reasons_of(change.changes)
            if forced:
                _refuse_replace(kind, change)
    found = list(change.changes)  # before deferral: live_notes explain what waits
    later = _defer_until_ready(kind, change) if kind.deferred else ""
    if change.live is not None and change.action in (Action.NOOP, Action.UPDATE, Action.IMPORT):
        change.notes.extend(kind.live_notes(change.action.value, props, change.live, found))
        if change.changes and change.action is not Action.NOOP:
            change.refusal = kind.update_refusal(props, change.live, change.changes)
    if change.live is not None and change.action in (Action.NOOP, Action.UPDATE, Action.IMPORT):
        readiness = kind.ready(change.live)
        if readiness.state is ReadinessState.PENDING:
            change.pending = (readiness.message or "pending") + (f"; then sends {later}" if later else "")
        elif readiness.state is ReadinessState.FAILED:
            change.failed = readiness.message or "failed"
    if change.action is Action.REPLACE and change.refusal is None and not change.retain:
        change.refusal = kind.refusal("replace", props, change.live)  # only when the old object is deleted
    change.writes = kind.write_calls(change.action.value, props, change.changes)
    change.notes.extend(kind.plan_notes(props, change.action.value))
    return change


def _ignore_drift(change: ResourceChange, ignores: IgnoreSet) -> None:
    """Leave alone drift-only field changes a ``.provisionignore`` rule silences (manifest edits
    are never ignored), and say so."""
    assert change.live is not None
    keep = []
    for ch in change.changes:
        rule = ignores.match(change.name, change.kind, change.live.id, ch.path) if ch.reasons == ("drift",) else None
        if rule is None:
            keep.append(ch)
            continue
        change.ignored.append((ch, rule))
        why = f": {rule.reason}" if rule.reason else ""
        until = f" until {rule.expires}" if rule.expires else ""
        change.notes.append(f"drift on {ch.path} ignored{until} ({rule.source}{why})")
    change.changes = keep


def find_object(objects: Mapping[str, LiveObject], wanted: str) -> LiveObject | None:
    """A live object by the id plans show (``GB:447700900001``) or by its ``id`` attribute: what
    ``options.import`` and ``provision import`` accept."""
    return objects.get(wanted) or next((o for o in objects.values() if str(o.attributes.get("id")) == wanted), None)


def _defer_until_ready(kind: Kind, change: ResourceChange) -> str:  # type: ignore[type-arg]
    """Changes to ``Kind.deferred`` fields of an object still converging wait for it: apply writes
    them once the object is ready, so they are neither planned now nor reported as drift.
    Returns the fields put off ("" when none)."""
    if change.live is None or change.action not in (Action.UPDATE, Action.IMPORT):
        return ""
    later = [c for c in change.changes if c.path.split(".")[0] in kind.deferred]
    if not later or kind.ready(change.live).state is not ReadinessState.PENDING:
        return ""
    change.changes = [c for c in change.changes if c not in later]
    fields = ", ".join(sorted({c.path.split(".")[0] for c in later}))
    change.notes.append(f"{fields}: sent once it is ready (apply waits for it first)")
    if change.changes:
        change.reasons = reasons_of(change.changes)
    elif change.action is Action.UPDATE:
        change.action, change.reasons = Action.NOOP, ()
    return fields


def _plan_import(kind: Kind, change: ResourceChange, props: Mapping[str, Any], options: Options) -> None:  # type: ignore[type-arg]
    assert change.live is not None
    change.action = Action.IMPORT
    change.changes = compare(kind, view(kind, props), None, view(kind, change.live.properties), options.ignore_changes)
    change.reasons = ("config",)
    if not change.recovered:
        change.notes.append(
            f"{kind.title or 'object'} {change.live.id} already exists in the account; it will be adopted, not created"
        )


def _recover(
    kind: Kind, intent: IntentRecord, observation: Observation, claimed: set[tuple[str, str]]
) -> LiveObject | None:  # type: ignore[type-arg]
    from .kind import Intent

    candidates = [o for oid, o in observation.by_kind.get(kind.kind, {}).items() if (kind.kind, oid) not in claimed]
    return kind.recover(Intent(intent.name, intent.kind, intent.natural_id, intent.match, intent.started), candidates)


def _refuse_replace(kind: Kind, change: ResourceChange) -> None:  # type: ignore[type-arg]
    fields = (
        ", ".join(sorted({c.path for c in change.changes if c.path.split(".")[0] in kind.replace_on})) or "identity"
    )
    if change.options.protect:
        change.refusal = (
            f"cannot replace {change.name}: it is protected and changing {fields} forces a replacement; "
            "set options.protect: false first if replacing it is really intended"
        )
    elif kind.non_fungible and change.options.on_delete is None:
        change.refusal = (
            f"cannot replace {change.name}: changing {fields} means giving up {kind.title} "
            f"{change.record.id if change.record else ''}, which is never done implicitly; set "
            "options.on_delete: delete (release it) or retain (keep it in the account, unmanaged)"
        )
    else:
        on_delete = change.options.on_delete or kind.default_on_delete
        change.removal = _removal(kind, on_delete)
        change.retain = on_delete is OnDelete.RETAIN or kind.removal == "forget"
        if change.retain:
            fate = "kept in the account but no longer managed"
            fate += " (the API has no delete)" if on_delete is not OnDelete.RETAIN else ""
        elif kind.removal == "disable":
            fate = "disabled after the new one exists (the API has no delete)"
        else:
            fate = "deleted after the new one exists"
        change.notes.append(f"the old {kind.title} {change.record.id if change.record else ''} will be {fate}")


def _removal(kind: Kind, on_delete: OnDelete) -> str:  # type: ignore[type-arg]
    """How a delete lets go: the kind's way, except that on_delete: retain never disables anything."""
    return "delete" if kind.removal == "disable" and on_delete is OnDelete.RETAIN else kind.removal


def _removed(desired: Mapping[str, DesiredResource], snapshot: Snapshot) -> list[str]:
    """Recorded resources the manifest no longer declares (or declares as another kind)."""
    return [n for n, r in snapshot.resources.items() if n not in desired or desired[n].kind != r.kind]


def _plan_deletes(names: Sequence[str], snapshot: Snapshot, observation: Observation) -> list[ResourceChange]:
    gone = {n: snapshot.resources[n] for n in names}
    graph = {n: [d for d in r.dependencies if d in gone] for n, r in gone.items()}
    order = list(TopologicalSorter(graph).static_order())
    order.reverse()  # dependents first
    changes = []
    for name in order:
        record = gone[name]
        kind = registry.get(record.kind)
        options = Options.from_json(record.options)
        live = observation.find(record.kind, record.id)
        on_delete = options.on_delete or kind.default_on_delete
        change = ResourceChange(
            name,
            record.kind,
            Action.DELETE,
            ("config",),
            record=record,
            live=live,
            options=options,
            dependencies=tuple(record.dependencies),
            retain=on_delete is OnDelete.RETAIN or kind.removal == "forget",
            removal=_removal(kind, on_delete),
        )
        what = f"{kind.title or 'object'} {record.id}"
        if options.protect:
            change.refusal = (
                f"cannot delete {name}: it is protected (options.protect: true was applied); to delete it, "
                "put it back in the manifest with protect: false and apply, then remove it; or run "
                f"`provision state rm {name}` to stop managing it without deleting"
            )
        elif kind.non_fungible and options.on_delete is None and live is not None:
            change.refusal = (
                f"cannot release {name}: {what} is never released implicitly; put it back in the manifest "
                "with options.on_delete: delete (release it) or retain (keep it, unmanaged) and apply, then "
                f"remove it; or run `provision state rm {name}`"
            )
        if change.refusal is None and live is not None and not change.retain:
            change.refusal = kind.refusal("delete", record.properties, live)
            if change.refusal is None:
                change.notes.extend(kind.plan_notes(record.properties, "delete"))
                change.notes.extend(kind.live_notes("delete", record.properties, live, []))
        if live is None:
            change.notes.append(f"{what} is already gone from the account; it is only removed from state")
        elif on_delete is OnDelete.RETAIN:
            change.notes.append(f"on_delete: retain — {what} stays in the account and is no longer managed")
        elif kind.removal == "forget":
            change.notes.append(f"the API has no delete: {what} stays in the account and is no longer managed")
        elif kind.removal == "disable":
            change.notes.append(
                f"the API has no delete: {what} is disabled instead; it stays in the account, no longer managed"
            )
        change.writes = 0 if (live is None or change.retain) else kind.write_calls("delete", record.properties, [])
        changes.append(change)
    return changes


# ---------------------------------------------------------------- review aids (pure)
def live_fingerprint(change: ResourceChange) -> str | None:
    """A digest of the live object a change acts on (None: nothing live). Saved plans record it, and
    apply --plan refuses when it differs: the object changed in the account since the plan."""
    if change.live is None:
        return None
    kind = registry.get(change.kind)
    live = change.live
    body = {"id": live.id, "properties": view(kind, live.properties), "attributes": live.attributes}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def risks(change: ResourceChange) -> list[str]:
    """What a reviewer should look at twice: deletes, replacements, releases of non-fungible objects
    (numbers, senders), edits that send a template back to review, rotated secrets."""
    kind = registry.get(change.kind)
    out: list[str] = []
    letting_go = change.action is Action.DELETE or (change.action is Action.REPLACE and change.live is not None)
    if change.action is Action.REPLACE:
        out.append("replace")
    if change.action is Action.DELETE:
        out.append("forget" if change.retain else change.removal)
    if letting_go and kind.non_fungible and not change.retain and change.live is not None:
        out.append("release")
    tops = {c.path.split(".")[0] for c in change.changes}
    if change.action in (Action.UPDATE, Action.IMPORT, Action.REPLACE) and tops & kind.review_fields:
        out.append("re_review")
    if any(c.sensitive and c.old is not None and c.new is not None for c in change.changes):
        out.append("secret_rotated")
    return out
