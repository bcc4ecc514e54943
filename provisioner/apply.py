"""Act on a plan: walk the DAG, make exactly the planned calls, record each as it lands.

Never decides: every action comes from the plan. Order: creates/updates/imports in dependency
order (bounded concurrency), then deletes in reverse dependency order. A failure skips only the
resources that depend on the failed one; independent branches go on. Each landed write is in the
state journal (durable) before the next call that depends on it starts; a non-idempotent create
writes an intent first, so a crash mid-call is recovered on the next run instead of duplicated.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from . import registry
from .diff import compare
from .errors import ApplyError, PlanError, ProviderAPIError, ProvisionerError
from .kind import CreateContext
from .model import LiveObject, Manifest, Readiness, ReadinessState
from .plan import Action, Known, Plan, ResourceChange, make_lookup, resolve, view
from .state.base import IntentRecord, ResourceRecord, StateBackend, now_iso
from .wait import SYSTEM_CLOCK, Clock, until_ready

PAST = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "import": "imported",
    "noop": "unchanged",
    "disable": "disabled",  # removals of kinds whose API cannot delete (Kind.removal)
    "forget": "forgotten",
    "move": "moved",  # a ``moved:`` rename: state only
}


@dataclass
class StepResult:
    name: str
    kind: str
    action: str
    status: str  # "done" | "failed" | "skipped" | "pending"
    message: str = ""
    writes: int = 0
    seconds: float = 0.0
    id: str | None = None


@dataclass
class ApplyResult:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "failed"]

    @property
    def ok(self) -> bool:
        return not any(s.status in ("failed", "skipped") for s in self.steps)


Event = Callable[[str, ResourceChange, StepResult | None], None]  # ("start"|"end", change, result)


def apply_plan(
    plan: Plan,
    manifest: Manifest,
    state: StateBackend,
    clients: Mapping[str, Any],
    *,
    parallelism: int = 10,
    no_wait: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    on_event: Event | None = None,
) -> ApplyResult:
    """Execute ``plan``. Raises PlanError (before any call) if it carries refusals, and
    ApplyError (after recording everything that landed) if any step failed."""
    if plan.refusals:
        raise PlanError(
            "cannot apply: the plan refuses " + str(len(plan.refusals)) + " change(s)",
            [c.refusal or "" for c in plan.refusals],
        )
    runner = _Runner(manifest, state, clients, parallelism, no_wait, clock, on_event or (lambda *a: None))
    for old, new in plan.moved:  # renames first: no API call, and later records use the new name
        state.rename(old, new)
        step = StepResult(new, state.read().resources[new].kind, "move", "done", f"moved from {old}")
        runner.results.append(step)
        runner.on_event("end", ResourceChange(new, step.kind, Action.NOOP), step)
    for change in plan.changes:  # what the plan already knows (unchanged resources) seeds references
        if change.action is not Action.DELETE and change.live is not None and change.action is not Action.REPLACE:
            runner.known[change.name] = Known(change.live.attributes, change.desired or {})
    forward = [c for c in plan.changes if c.action is not Action.DELETE]
    backward = [c for c in plan.changes if c.action is Action.DELETE]
    backward += [_old_half(c) for c in forward if c.action is Action.REPLACE and c.live is not None]
    runner.run(forward, deps=lambda c: c.dependencies)
    runner.run(backward, deps=_dependents_of(backward))
    state.compact()
    result = ApplyResult(runner.results)
    if not result.ok:
        failed = ", ".join(s.name for s in result.failed)
        raise ApplyError(f"apply finished with failures ({failed}); what landed is recorded in state", result)
    return result


def _old_half(change: ResourceChange) -> ResourceChange:
    """The delete half of a replace: runs after the new object exists."""
    return ResourceChange(
        change.name,
        change.kind,
        Action.DELETE,
        change.reasons,
        live=change.live,
        options=change.options,
        retain=change.retain,
        removal=change.removal,
        writes=0 if change.retain else 1,
        notes=["old object of a replacement"],
    )


def _label(change: ResourceChange) -> str:
    """The action as reported: a delete of a kind whose API cannot delete is a disable or a forget."""
    if change.action is Action.DELETE and change.removal != "delete":
        return change.removal
    return change.action.value


def _dependents_of(deletes: list[ResourceChange]) -> Callable[[ResourceChange], tuple[str, ...]]:
    """Deletes run dependents first: X waits for every deleted resource that depends on X."""
    waits: dict[str, list[str]] = {}
    for d in deletes:
        for dep in d.dependencies:
            if dep != d.name:
                waits.setdefault(dep, []).append(d.name)
    return lambda change: tuple(waits.get(change.name, ()))


class _Runner:
    def __init__(
        self,
        manifest: Manifest,
        state: StateBackend,
        clients: Mapping[str, Any],
        parallelism: int,
        no_wait: bool,
        clock: Clock,
        on_event: Event,
    ) -> None:
        self.manifest, self.state, self.clients = manifest, state, clients
        self.parallelism, self.no_wait, self.clock, self.on_event = max(1, parallelism), no_wait, clock, on_event
        self.known: dict[str, Known] = {}
        self.results: list[StepResult] = []
        self.failed: set[str] = set()
        self._lock = threading.Lock()

    def run(self, changes: list[ResourceChange], deps: Callable[[ResourceChange], tuple[str, ...]]) -> None:
        """Run a batch in dependency order: a change starts once everything it depends on in the
        batch has finished; one that depends on a failure is skipped. Linear in the batch size."""
        by_name = {c.name: c for c in changes}
        blockers = {c.name: {d for d in deps(c) if d in by_name and d != c.name} for c in changes}
        dependents: dict[str, list[str]] = {}
        for name, on in blockers.items():
            for dep in on:
                dependents.setdefault(dep, []).append(name)
        ready = deque(c.name for c in changes if not blockers[c.name])  # plan order among the ready
        started: set[str] = set()
        running: dict[Future[StepResult], ResourceChange] = {}

        def finished_with(name: str) -> None:
            for waiting in dependents.get(name, ()):
                blockers[waiting].discard(name)
                if not blockers[waiting]:
                    ready.append(waiting)

        with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
            while len(started) < len(by_name) or running:
                while ready and len(running) < self.parallelism:
                    change = by_name[ready.popleft()]
                    started.add(change.name)
                    failed_dep = next((d for d in deps(change) if d in self.failed), None)
                    if failed_dep is not None:
                        self._skip(change, failed_dep)
                        finished_with(change.name)
                    else:
                        running[pool.submit(self._step, change)] = change
                if not running:
                    if not ready:  # only a dependency cycle could leave work unreachable: run it anyway
                        ready.extend(n for n in by_name if n not in started)
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    change = running.pop(fut)
                    result = fut.result()
                    with self._lock:
                        self.results.append(result)
                        if result.status == "failed":
                            self.failed.add(change.name)
                    finished_with(change.name)
                    self.on_event("end", change, result)

    def _skip(self, change: ResourceChange, because: str) -> None:
        result = StepResult(
            change.name, change.kind, change.action.value, "skipped", f"skipped: it depends on {because}, which failed"
        )
        with self._lock:
            self.results.append(result)
            self.failed.add(change.name)
        self.on_event("end", change, result)

    def _step(self, change: ResourceChange) -> StepResult:
        self.on_event("start", change, None)
        started = time.monotonic()
        client = self.clients.get(registry.get(change.kind).provider)
        before = client.counter.thread_writes() if client is not None else 0
        try:
            outcome = self._act(change, client)
            status, message = ("pending", outcome) if outcome else ("done", "")
        except ProvisionerError as exc:
            verb = {"noop": "record", "import": "import"}.get(change.action.value, _label(change))
            status, message = "failed", f"cannot {verb} {change.name}: {exc}"
        except Exception as exc:  # a bug must still leave a consistent journal and a clear report
            status, message = (
                "failed",
                f"cannot {change.action.value} {change.name}: unexpected {type(exc).__name__}: {exc}",
            )
        writes = (client.counter.thread_writes() - before) if client is not None else 0
        record_id = change.live.id if change.live else None
        return StepResult(
            change.name,
            change.kind,
            _label(change),
            status,
            message,
            writes,
            time.monotonic() - started,
            self.known.get(change.name, Known({}, {})).attributes.get("id", record_id),
        )

    # -------------------------------------------------------------- one change
    def _act(self, change: ResourceChange, client: Any) -> str:
        kind = registry.get(change.kind)
        if change.action is Action.DELETE:
            if change.live is not None and not change.retain:
                if change.removal == "disable":
                    kind.disable(client, change.live)  # the API has no delete (Kind.removal)
                else:
                    kind.delete(client, change.live)
            if change.record is not None:  # the delete half of a replace has no record of its own
                self.state.remove(change.name)
            return ""
        res = self.manifest.resources[change.name]
        props = kind.prepare(resolve(res.properties, make_lookup(self.known)), self.manifest.base_dir)
        ctx = CreateContext(self.manifest.base_dir, change.name)
        live: LiveObject
        if change.action in (Action.CREATE, Action.REPLACE):
            props = kind.prepare_create(props, ctx)
            if kind.create_needs_intent:
                self.state.add_intent(
                    IntentRecord(change.name, change.kind, kind.natural_id(props), kind.intent_match(props), now_iso())
                )
            try:
                live = kind.create(client, props, ctx)
            except ProviderAPIError as exc:
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    self.state.clear_intent(change.name)  # rejected outright: nothing was created
                raise
        elif change.action is Action.IMPORT:
            assert change.live is not None
            live = kind.adopt(client, change.live, props)
            if change.changes:
                live = kind.update(client, live, props, change.changes)
        elif change.action is Action.UPDATE:
            assert change.live is not None
            live = kind.update(client, change.live, props, change.changes)
        else:  # NOOP: nothing to send; refresh the record if options or last-applied moved
            assert change.live is not None
            live = change.live
        record = ResourceRecord(
            name=change.name,
            kind=change.kind,
            id=live.id,
            properties=_recorded(kind, props, live),
            attributes=dict(live.attributes),
            options=res.options.to_json(),
            dependencies=sorted(res.dependencies()),
            status=_status(kind.ready(live)),
            updated=now_iso(),
        )
        # What landed is durable before any waiting: a long review never risks losing the write.
        if change.action is not Action.NOOP or change.record is None or _differs(change.record, record):
            self.state.put(record)
        with self._lock:
            self.known[change.name] = Known(live.attributes, props)
        live, readiness, record = self._settle(change, kind, client, res, live, record)
        ready = readiness.state is ReadinessState.READY
        later = _deferred_changes(kind, props, live, res.options.ignore_changes) if ready else []
        if later:  # writes the provider accepts only once the object is ready (Kind.deferred)
            live = kind.update(client, live, props, later)
            record = replace(
                record,
                properties=_recorded(kind, props, live),
                attributes=dict(live.attributes),
                status=_status(kind.ready(live)),
                updated=now_iso(),
            )
            self.state.put(record)
            live, readiness, record = self._settle(change, kind, client, res, live, record)
        if readiness.state is ReadinessState.FAILED:
            raise ProvisionerError(f"{kind.title or change.kind} {live.id} failed: {readiness.message}")
        if readiness.state is ReadinessState.PENDING:
            return f"{readiness.message or 'pending'}; not waiting (--no-wait): the next run checks it again"
        return ""

    def _settle(
        self, change: ResourceChange, kind: Any, client: Any, res: Any, live: LiveObject, record: ResourceRecord
    ) -> tuple[LiveObject, Readiness, ResourceRecord]:
        """Wait for ``live`` to converge (unless --no-wait); record what it settled to."""
        readiness = kind.ready(live)
        if readiness.state is ReadinessState.PENDING and not self.no_wait:
            timeout = res.options.timeouts.get("ready", kind.ready_timeout)
            latest = [live]

            def refresh() -> Readiness:
                latest[0] = kind.get(client, latest[0]) or latest[0]
                return kind.ready(latest[0])

            def tick(status: Readiness, elapsed: float) -> None:
                self.on_event(
                    "wait",
                    change,
                    StepResult(
                        change.name, change.kind, change.action.value, "pending", status.message, seconds=elapsed
                    ),
                )

            readiness = until_ready(refresh, timeout=timeout, address=change.name, clock=self.clock, on_tick=tick)
            live = latest[0]
            settled = replace(record, attributes=dict(live.attributes), status=_status(readiness), updated=now_iso())
            if _differs(record, settled):
                self.state.put(settled)
            record = settled
        return live, readiness, record


def _recorded(kind: Any, props: Any, live: LiveObject) -> dict[str, Any]:
    """Last-applied properties: what was sent, except deferred fields, which count as applied only
    once they are live (until then the next plan offers them as a change, not as drift)."""
    recorded = view(kind, props)
    if kind.deferred:
        current = view(kind, live.properties)
        for name in kind.deferred & recorded.keys():
            if name in current:
                recorded[name] = current[name]
            else:
                del recorded[name]
    return recorded


def _deferred_changes(kind: Any, props: Any, live: LiveObject, ignore: Any) -> list[Any]:
    if not kind.deferred:
        return []
    changes = compare(kind, view(kind, props), None, view(kind, live.properties), ignore)
    return [c for c in changes if c.path.split(".")[0] in kind.deferred]


def _status(readiness: Readiness) -> str:
    return {ReadinessState.READY: "ready", ReadinessState.PENDING: "pending"}.get(readiness.state, "failed")


def _differs(old: ResourceRecord, new: ResourceRecord) -> bool:
    return (old.properties, old.attributes, old.options, old.dependencies, old.status, old.id) != (
        new.properties,
        new.attributes,
        new.options,
        new.dependencies,
        new.status,
        new.id,
    )
