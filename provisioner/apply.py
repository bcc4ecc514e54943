"""Act on a plan: walk the DAG, make exactly the planned calls, record each as it lands.

Never decides: every action comes from the plan. Order: creates/updates/imports in dependency
order (bounded concurrency), then deletes in reverse dependency order. A failure skips only the
resources that depend on the failed one; independent branches go on. Each landed write is in the
state journal (durable) before the next call that depends on it starts; a non-idempotent create
writes an intent first, so a crash mid-call is recovered on the next run instead of duplicated.

Interrupts. ``cancel`` (a ``threading.Event``; the CLI sets it on the first SIGINT/SIGTERM) stops
the run from starting new changes. Calls already in flight finish and are recorded (so does a
started step still queued for its rate-limit turn: the HTTP layer takes no cancel flag); a wait for
readiness stops after its current poll (the step ends pending, its record stays ``pending``, and
the next plan re-checks it); then ``ApplyInterrupted`` reports what landed and what was not
started. A hard stop (second signal, crash, SIGKILL) is safe as well: journal records are appended
atomically and every non-idempotent create is preceded by its intent, so the next run adopts what
the stopped one created.

Ambiguous creates. A create whose call failed without a clean answer (a 5xx, a timeout, a dropped
connection: http.py never repeats such a POST, since it may have landed) is neither failed nor
repeated blindly. The runner re-observes the kind at once and asks ``Kind.recover`` whether an
object no record claims matches the create's natural key or intent evidence:
* found: the create landed. The object is adopted (and updated if the create stopped half-way, e.g.
  a number bought but its settings not sent), recorded, and the step succeeds with a note;
* not found, and the kind's create is safe to repeat (no intent: client-chosen ids or unique names,
  so a second create meets the first object): it is sent once more;
* not found, otherwise: the step fails. Its intent is cleared when the server is done with the call
  (it answered 500/503, or closed the connection), and kept while the call may still land (a read
  timeout, a gateway's 502/504) or when the re-check itself failed: the next run then recovers it
  by the same evidence.
A clean rejection (4xx, or a 429 after the retries) created nothing: the intent is cleared. An
update that fails ambiguously is read back the same way: if the object already matches, it landed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from . import httpclient, registry
from .diff import compare, get_path
from .errors import ApplyError, ApplyInterrupted, PlanError, ProviderAPIError, ProvisionerError
from .kind import CreateContext, Intent
from .model import LiveObject, Manifest, Readiness, ReadinessState
from .plan import Action, Known, Plan, ResourceChange, make_lookup, observe, resolve, view
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
NOT_STARTED = "not started: the run was interrupted before it began"


@dataclass
class Call:
    """One write attempt a step made, as the HTTP layer reported it."""

    method: str
    path: str
    status: int | None = None  # None: no answer (``error`` says why)
    error: str = ""
    found: bool = False  # its answer was lost, but reading the account back showed it landed

    @property
    def landed(self) -> bool:
        return self.found or (self.status is not None and self.status < 400)

    def __str__(self) -> str:
        answer = str(self.status) if self.status is not None else self.error or "no answer"
        return f"{self.method} {self.path} → {answer}" + (" (answer lost; it landed)" if self.found else "")


@dataclass
class StepResult:
    name: str
    kind: str
    action: str
    status: str  # "done" | "failed" | "skipped" | "pending" | "not_started"
    message: str = ""
    writes: int = 0
    seconds: float = 0.0
    id: str | None = None
    calls: list[Call] = field(default_factory=list)  # write attempts, in order

    @property
    def landed(self) -> list[Call]:
        return [c for c in self.calls if c.landed]


@dataclass
class ApplyResult:
    steps: list[StepResult] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "failed"]

    @property
    def not_started(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "not_started"]

    @property
    def ok(self) -> bool:
        return not self.interrupted and not any(s.status in ("failed", "skipped", "not_started") for s in self.steps)


Event = Callable[[str, ResourceChange, StepResult | None], None]  # ("start"|"end"|"wait", change, result)


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
    cancel: threading.Event | None = None,
) -> ApplyResult:
    """Execute ``plan``. Raises PlanError (before any call) if it carries refusals, ApplyInterrupted
    once ``cancel`` was set (after in-flight calls finished and were recorded), and ApplyError (after
    recording everything that landed) if any step failed."""
    if plan.refusals:
        raise PlanError(
            "cannot apply: the plan refuses " + str(len(plan.refusals)) + " change(s)",
            [c.refusal or "" for c in plan.refusals],
        )
    runner = _Runner(manifest, state, clients, parallelism, no_wait, clock, on_event or (lambda *a: None), cancel)
    for old, new in plan.moved:  # renames first: no API call, and later records use the new name
        state.rename(old, new)
        step = StepResult(new, state.read().resources[new].kind, "move", "done", f"moved from {old}")
        runner.results.append(step)
        runner.on_event("end", ResourceChange(new, step.kind, Action.NOOP), step)
    for change in plan.changes:  # what the plan already knows (unchanged resources) seeds references
        if change.action is not Action.DELETE and change.live is not None and change.action is not Action.REPLACE:
            runner.known[change.name] = Known(change.live.attributes, change.desired or {})
        if change.live is not None:  # objects the plan gives to a resource: never "recovered" for another
            runner.planned.add((change.kind, change.live.id))
    forward = [c for c in plan.changes if c.action is not Action.DELETE]
    backward = [c for c in plan.changes if c.action is Action.DELETE]
    backward += [_old_half(c) for c in forward if c.action is Action.REPLACE and c.live is not None]
    with _recording_calls(clients, runner.note_call):
        runner.run(forward, deps=lambda c: c.dependencies)
        runner.run(backward, deps=_dependents_of(backward))
    state.compact()
    result = ApplyResult(runner.results, interrupted=runner.cancel.is_set())
    if result.interrupted:
        raise ApplyInterrupted("apply interrupted; what landed is recorded in state", result)
    if not result.ok:
        failed = ", ".join(s.name for s in result.failed)
        raise ApplyError(f"apply finished with failures ({failed}); what landed is recorded in state", result)
    return result


@contextmanager
def _recording_calls(clients: Mapping[str, Any], sink: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    """Chain ``sink`` onto the clients' call listeners for the run (and restore them after), so each
    step can say exactly which of its calls landed."""
    counters = {id(c.counter): c.counter for c in clients.values() if getattr(c, "counter", None) is not None}
    saved = {key: counter.listener for key, counter in counters.items()}

    def chained(previous: Callable[[str, dict[str, Any]], None] | None) -> Callable[[str, dict[str, Any]], None]:
        def listener(event: str, details: dict[str, Any]) -> None:
            if event == "call":
                sink(details)
            if previous is not None:
                previous(event, details)

        return listener

    for key, counter in counters.items():
        counter.listener = chained(saved[key])
    try:
        yield
    finally:
        for key, counter in counters.items():
            counter.listener = saved[key]


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


class _Ready:
    """Changes ready to start, queued per kind. ``pop`` serves the kind with the fewest steps running
    (ties: plan order), so one throttled kind (Infobip purchases go at 1/s) cannot hold every
    worker while changes of other kinds wait behind it."""

    def __init__(self, changes: list[ResourceChange]) -> None:
        self.order = {c.name: i for i, c in enumerate(changes)}
        self.queues: dict[str, deque[ResourceChange]] = {}
        self.running: dict[str, int] = {c.kind: 0 for c in changes}

    def __bool__(self) -> bool:
        return any(self.queues.values())

    def push(self, change: ResourceChange) -> None:
        self.queues.setdefault(change.kind, deque()).append(change)

    def pop(self) -> ResourceChange:
        kind = min(
            (k for k, q in self.queues.items() if q),
            key=lambda k: (self.running[k], self.order[self.queues[k][0].name]),
        )
        return self.queues[kind].popleft()


class _StopWaiting(Exception):
    """Raised out of a readiness wait once the run is interrupted (caught in ``_settle``)."""


class _CancellableClock(Clock):
    """The run's clock for readiness waits: a pause ends as soon as ``cancel`` is set, and then
    stops the wait (wait.py sleeps only through its clock, so this needs nothing from it)."""

    def __init__(self, base: Clock, cancel: threading.Event) -> None:
        self.base, self.cancel = base, cancel

    def monotonic(self) -> float:
        return self.base.monotonic()

    def sleep(self, seconds: float) -> None:
        if self.cancel.is_set():
            raise _StopWaiting()
        if type(self.base) is Clock:  # real time: wait on the flag instead, so a signal ends the pause
            self.cancel.wait(max(0.0, seconds))
        else:
            self.base.sleep(seconds)
        if self.cancel.is_set():
            raise _StopWaiting()


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
        cancel: threading.Event | None = None,
    ) -> None:
        self.manifest, self.state, self.clients = manifest, state, clients
        self.parallelism, self.no_wait, self.clock, self.on_event = max(1, parallelism), no_wait, clock, on_event
        self.cancel = cancel if cancel is not None else threading.Event()
        self.wait_clock = _CancellableClock(clock, self.cancel)
        self.known: dict[str, Known] = {}
        self.planned: set[tuple[str, str]] = set()  # (kind, id) of every live object the plan assigned
        self.results: list[StepResult] = []
        self.failed: set[str] = set()
        self._lock = threading.Lock()
        self._local = threading.local()  # per worker: the calls of the step it runs

    def note_call(self, details: dict[str, Any]) -> None:
        """Listener for HTTP attempts: keep the writes of the step running on this thread."""
        calls = getattr(self._local, "calls", None)
        if calls is not None and details.get("method") not in ("GET", "HEAD"):
            calls.append(Call(details["method"], details["path"], details.get("status"), details.get("error", "")))

    def run(self, changes: list[ResourceChange], deps: Callable[[ResourceChange], tuple[str, ...]]) -> None:
        """Run a batch in dependency order: a change starts once everything it depends on in the
        batch has finished; one that depends on a failure is skipped. Once ``cancel`` is set nothing
        new starts: what is running finishes, the rest is reported as not started. Linear in the
        batch size (times the number of kinds)."""
        by_name = {c.name: c for c in changes}
        blockers = {c.name: {d for d in deps(c) if d in by_name and d != c.name} for c in changes}
        dependents: dict[str, list[str]] = {}
        for name, on in blockers.items():
            for dep in on:
                dependents.setdefault(dep, []).append(name)
        ready = _Ready(changes)
        for c in changes:
            if not blockers[c.name]:
                ready.push(c)
        started: set[str] = set()
        running: dict[Future[StepResult], ResourceChange] = {}

        def finished_with(change: ResourceChange) -> None:
            for waiting in dependents.get(change.name, ()):
                blockers[waiting].discard(change.name)
                if not blockers[waiting]:
                    ready.push(by_name[waiting])

        with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
            while len(started) < len(by_name) or running:
                while ready and len(running) < self.parallelism and not self.cancel.is_set():
                    change = ready.pop()
                    started.add(change.name)
                    failed_dep = next((d for d in deps(change) if d in self.failed), None)
                    if failed_dep is not None:
                        self._skip(change, failed_dep)
                        finished_with(change)
                    else:
                        running[pool.submit(self._step, change)] = change
                        ready.running[change.kind] += 1
                if not running:
                    if self.cancel.is_set():
                        break
                    if not ready:  # only a dependency cycle could leave work unreachable: run it anyway
                        for c in changes:
                            if c.name not in started:
                                ready.push(c)
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    change = running.pop(fut)
                    ready.running[change.kind] -= 1
                    result = fut.result()
                    with self._lock:
                        self.results.append(result)
                        if result.status == "failed":
                            self.failed.add(change.name)
                    finished_with(change)
                    self.on_event("end", change, result)
        for change in changes:  # interrupted: say what never began (no event: nothing happened to it)
            if change.name not in started:
                self.results.append(StepResult(change.name, change.kind, _label(change), "not_started", NOT_STARTED))

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
        self._local.calls = calls = []
        try:
            pending, note = self._act(change, client)
            status, message = ("pending", pending) if pending else ("done", note)
        except ProvisionerError as exc:
            verb = {"noop": "record", "import": "import"}.get(change.action.value, _label(change))
            status, message = "failed", f"cannot {verb} {change.name}: {exc}"
        except Exception as exc:  # a bug must still leave a consistent journal and a clear report
            status, message = (
                "failed",
                f"cannot {change.action.value} {change.name}: unexpected {type(exc).__name__}: {exc}",
            )
        finally:
            self._local.calls = None
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
            calls,
        )

    # -------------------------------------------------------------- one change
    def _act(self, change: ResourceChange, client: Any) -> tuple[str, str]:
        """Make one change; returns (why it is still pending or "", a note for the report or "")."""
        kind = registry.get(change.kind)
        if change.action is Action.DELETE:
            if change.live is not None and not change.retain:
                if change.removal == "disable":
                    kind.disable(client, change.live)  # the API has no delete (Kind.removal)
                else:
                    kind.delete(client, change.live)
            if change.record is not None:  # the delete half of a replace has no record of its own
                self.state.remove(change.name)
            return "", ""
        res = self.manifest.resources[change.name]
        props = kind.prepare(resolve(res.properties, make_lookup(self.known)), self.manifest.base_dir)
        ctx = CreateContext(self.manifest.base_dir, change.name)
        live: LiveObject
        note = ""
        if change.action in (Action.CREATE, Action.REPLACE):
            props = kind.prepare_create(props, ctx)
            live, note = self._create(change, kind, client, props, ctx)
        elif change.action is Action.IMPORT:
            assert change.live is not None
            live = kind.adopt(client, change.live, props)
            if change.changes:
                live, note = self._update(change, kind, client, live, props, change.changes)
        elif change.action is Action.UPDATE:
            assert change.live is not None
            live, note = self._update(change, kind, client, change.live, props, change.changes)
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
            why = "interrupted" if self.cancel.is_set() and not self.no_wait else "not waiting (--no-wait)"
            return f"{readiness.message or 'pending'}; {why}: recorded as pending, the next run checks it again", note
        return "", note

    def _update(
        self, change: ResourceChange, kind: Any, client: Any, live: LiveObject, props: dict[str, Any], changes: Any
    ) -> tuple[LiveObject, str]:
        """Update; after an ambiguous failure, read the object back: if it already matches, the
        update landed and only its answer was lost (sending it again would change nothing)."""
        try:
            return kind.update(client, live, props, changes), ""
        except ProviderAPIError as exc:
            if not _ambiguous(exc):
                raise
            failure = exc
        try:
            now = kind.get(client, live)
        except Exception:  # cannot tell: report the update's own failure
            now = None
        ignore = self.manifest.resources[change.name].options.ignore_changes
        if now is None or compare(kind, view(kind, props), None, view(kind, now.properties), ignore):
            raise failure
        self._mark_found()
        return now, f"the update's answer was lost ({_short(failure)}); read back: it landed"

    # -------------------------------------------------------------- creates
    def _create(
        self, change: ResourceChange, kind: Any, client: Any, props: dict[str, Any], ctx: CreateContext
    ) -> tuple[LiveObject, str]:
        """Create, intent first when creating twice would make two objects. An ambiguous failure is
        re-checked at once (module docstring): what landed is adopted, never created again."""
        intent = Intent(change.name, change.kind, kind.natural_id(props), kind.intent_match(props), now_iso())
        if kind.create_needs_intent:
            self.state.add_intent(IntentRecord(**vars(intent)))
        try:
            return kind.create(client, props, ctx), ""
        except ProviderAPIError as exc:
            if not _ambiguous(exc):
                self._drop_intent(kind, change.name)  # rejected outright: nothing was created
                raise
            failure = exc
        try:
            found = self._recheck(kind, client, props, intent)
        except ProvisionerError as exc:
            raise ProvisionerError(
                f"{failure}; the create may have landed and re-checking failed too ({exc}): "
                "the next run finds it by its intent record instead of creating another"
            ) from failure
        if found is None and not kind.create_needs_intent:
            return self._create_again(kind, client, props, ctx, failure)
        if found is None:
            if not _may_still_land(failure):
                self._drop_intent(kind, change.name)
                raise ProvisionerError(f"{failure}; re-checked the account: the object is not there") from failure
            raise ProvisionerError(
                f"{failure}; the create may still land: the next run adopts it if it does, or creates it then"
            ) from failure
        self._mark_found()
        return self._complete(change, kind, client, props, found), (
            f"the create's answer was lost ({_short(failure)}); found the {kind.title or 'object'} it made "
            f"({found.id}) and adopted it"
        )

    def _create_again(
        self, kind: Any, client: Any, props: dict[str, Any], ctx: CreateContext, failure: ProviderAPIError
    ) -> tuple[LiveObject, str]:
        """A kind whose create is safe to repeat (no intent: client-chosen ids or unique names, so a
        second create meets the first object) is sent once more when the re-check finds nothing,
        e.g. a multi-part create cut off half-way."""
        try:
            live = kind.create(client, props, ctx)
        except ProvisionerError as exc:
            raise ProvisionerError(f"{failure}; sent again (safe for this kind), and that failed too: {exc}") from exc
        return live, f"the create failed without a clean answer ({_short(failure)}); not found, so sent again"

    def _mark_found(self) -> None:
        """The step's last unanswered write is the one reading the account back showed landed."""
        calls = getattr(self._local, "calls", None) or []
        lost = [c for c in calls if c.status is None or c.status >= 500]
        if lost:
            lost[-1].found = True

    def _drop_intent(self, kind: Any, name: str) -> None:
        if kind.create_needs_intent:
            self.state.clear_intent(name)

    def _recheck(self, kind: Any, client: Any, props: dict[str, Any], intent: Intent) -> LiveObject | None:
        """Re-observe ``kind``: the object an ambiguous create made, if it landed. Candidates are
        objects neither state nor this plan gives to any resource."""
        scopes = None
        if kind.observe_by:
            key = tuple(get_path(props, path) for path in kind.observe_by)
            scopes = {kind.kind: [key] if all(isinstance(v, str) and v for v in key) else []}
        observation = observe([kind.kind], {kind.provider: client}, client.counter, scopes)
        taken = {(r.kind, r.id) for r in self.state.read().resources.values()} | self.planned
        candidates = [o for oid, o in observation.by_kind.get(kind.kind, {}).items() if (kind.kind, oid) not in taken]
        return kind.recover(intent, candidates)

    def _complete(
        self, change: ResourceChange, kind: Any, client: Any, props: dict[str, Any], found: LiveObject
    ) -> LiveObject:
        """Adopt what an ambiguous create made, and send what it did not get to (a number bought
        whose settings were never sent): the same import the next run would plan."""
        res = self.manifest.resources[change.name]
        live = kind.adopt(client, found, props)
        missing = compare(kind, view(kind, props), None, view(kind, live.properties), res.options.ignore_changes)
        missing = [c for c in missing if c.path.split(".")[0] not in kind.deferred]
        if not missing:
            return live
        refusal = kind.update_refusal(props, live, missing)
        if refusal:
            raise ProvisionerError(
                f"its create landed ({live.id}) but cannot be completed now: {refusal}; the next run adopts it"
            )
        return self._update(change, kind, client, live, props, missing)[0]

    def _settle(
        self, change: ResourceChange, kind: Any, client: Any, res: Any, live: LiveObject, record: ResourceRecord
    ) -> tuple[LiveObject, Readiness, ResourceRecord]:
        """Wait for ``live`` to converge (unless --no-wait); record what it settled to. An interrupt
        ends the wait after the current poll: the object is recorded as still pending."""
        readiness = kind.ready(live)
        if readiness.state is ReadinessState.PENDING and not self.no_wait:
            timeout = res.options.timeouts.get("ready", kind.ready_timeout)
            latest = [live]
            last = [readiness]

            def refresh() -> Readiness:
                latest[0] = kind.get(client, latest[0]) or latest[0]
                last[0] = kind.ready(latest[0])
                return last[0]

            def tick(status: Readiness, elapsed: float) -> None:
                self.on_event(
                    "wait",
                    change,
                    StepResult(
                        change.name, change.kind, change.action.value, "pending", status.message, seconds=elapsed
                    ),
                )

            try:
                readiness = until_ready(
                    refresh, timeout=timeout, address=change.name, clock=self.wait_clock, on_tick=tick
                )
            except _StopWaiting:
                readiness = last[0]
            live = latest[0]
            settled = replace(record, attributes=dict(live.attributes), status=_status(readiness), updated=now_iso())
            if _differs(record, settled):
                self.state.put(settled)
            record = settled
        return live, readiness, record


def _ambiguous(exc: ProviderAPIError) -> bool:
    """May the failed write have landed? Not after a clean 4xx (nor a 429: refused before acting)."""
    return exc.status is None or exc.status >= 500


def _may_still_land(exc: ProviderAPIError) -> bool:
    """The server may still be working on the call: a read/write timeout, or a gateway's 502/504."""
    if exc.status is not None:
        return exc.status in (502, 504)
    cause = exc.__cause__
    if isinstance(cause, httpclient.ReadTimeout | httpclient.WriteTimeout):
        return True
    return not isinstance(cause, httpclient.TransportError)


def _short(exc: ProviderAPIError) -> str:
    if exc.status is not None:
        return f"HTTP {exc.status}"
    cause = exc.__cause__
    return f"no answer: {type(cause).__name__}" if cause is not None else "no answer"


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
