"""The `provision` command line: a thin click layer over the library (the only module importing click).

Exit codes (DESIGN §3), mapped here and nowhere else: 0 success / no changes; 1 error (invalid
manifest, refused plan, partial apply); 2 changes pending (`plan --detailed-exitcode`); 64 usage;
130 interrupted (SIGINT/SIGTERM: ``_Interrupts``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from . import render
from .errors import (
    ApplyError,
    ApplyInterrupted,
    ManifestError,
    PlanError,
    ProvisionerError,
    StateError,
    UsageError,
    exit_code,
)
from .events import EventStream
from .manifest import load_manifest
from .plan import Action, Plan
from .state import open_state
from .state.base import LockInfo
from .workspace import Workspace

EXIT_CHANGES = 2
EXIT_USAGE = 64


class Settings:
    def __init__(self, sandbox: bool, sandbox_url: str | None, state: str | None, color: bool, verbose: bool) -> None:
        self.sandbox, self.sandbox_url, self.state = sandbox, sandbox_url, state
        self.color, self.verbose = color, verbose

    def workspace(self, paths: tuple[str, ...] | list[str], read_only: bool = False) -> Workspace:
        ws = Workspace.open(
            list(paths), sandbox=self.sandbox, sandbox_url=self.sandbox_url, state=self.state, read_only=read_only
        )
        if _events is not None:
            ws.counter.listener = _events.listener
        return ws

    def state_backend(self) -> Any:
        if self.state:
            return open_state(self.state, Path.cwd())
        if os.environ.get("PROVISION_STATE"):
            return open_state(os.environ["PROVISION_STATE"], Path.cwd())
        base = Path.cwd() / ".provision"
        return open_state(base / "sandbox" if (self.sandbox or self.sandbox_url) else base, Path.cwd())


pass_settings = click.make_pass_decorator(Settings)
_events: EventStream | None = None  # set by --json: stdout carries only JSON lines


def _out(text: str = "", err: bool = False) -> None:
    if _events is not None:
        if text.strip():
            _events.emit("message", text=text, stream="stderr" if err else "stdout")
        return
    click.echo(text, err=err)


def _emit(type_: str, **fields: Any) -> None:
    if _events is not None:
        _events.emit(type_, **fields)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--sandbox", is_flag=True, help="Run against an in-process sandbox (data and state under .provision/sandbox/)."
)
@click.option("--sandbox-url", metavar="URL", help="Run against a running sandbox (its admin URL).")
@click.option(
    "--state", "state", metavar="DIR|URL", help="Where state lives (default: .provision/ beside the manifest)."
)
@click.option("--no-color", is_flag=True, help="Plain output without ANSI colours.")
@click.option("--verbose", "-v", is_flag=True, help="Show each step as it starts.")
@click.option(
    "--json", "json_events", is_flag=True, help="Write newline-delimited JSON events to stdout instead of text."
)
@click.version_option(package_name="provisioner", prog_name="provision")
@click.pass_context
def cli(
    ctx: click.Context,
    sandbox: bool,
    sandbox_url: str | None,
    state: str | None,
    no_color: bool,
    verbose: bool,
    json_events: bool,
) -> None:
    """Declarative infrastructure-as-code for Vonage, Sinch and Infobip."""
    global _events
    if sandbox and sandbox_url:
        raise click.UsageError("use either --sandbox or --sandbox-url, not both")
    _events = EventStream(lambda line: click.echo(line)) if json_events else None
    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty() and not json_events
    ctx.obj = Settings(sandbox, sandbox_url, state, color, verbose)


# ------------------------------------------------------------------ validate
@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--no-env",
    is_flag=True,
    help="Accept unset ${env:NAME} values (left unchecked): validate without the secrets, e.g. in a pre-commit hook.",
)
def validate(paths: tuple[str, ...], no_env: bool) -> int:
    """Check manifests offline: syntax, schema, references. Makes no API call."""
    manifest = load_manifest(list(paths), unset_env_ok=no_env)
    n = len(manifest.resources)
    _out(f"✓ {n} resource(s) in {len(manifest.files)} file(s) are valid.")
    return 0


# ------------------------------------------------------------------ plan
def _targets(f: Any) -> Any:
    f = click.option(
        "--skip",
        "skip",
        multiple=True,
        metavar="NAME",
        help="Leave out resources matching NAME (globs, or type=KIND) and what depends on them. Repeatable.",
    )(f)
    return click.option(
        "--only",
        "only",
        multiple=True,
        metavar="NAME",
        help="Plan only resources matching NAME (globs, or type=KIND), plus what they depend on. Repeatable.",
    )(f)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="Save the plan (JSON) for `provision apply --plan FILE`."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error).")
@click.option("--destroy", "destroy_all", is_flag=True, help="Plan deleting everything the manifests manage.")
@_targets
@pass_settings
def plan(
    s: Settings,
    paths: tuple[str, ...],
    out: str | None,
    fmt: str,
    detailed_exitcode: bool,
    destroy_all: bool,
    only: tuple[str, ...],
    skip: tuple[str, ...],
) -> int:
    """Show what apply would change, and why (config change or drift)."""
    with s.workspace(paths) as ws:
        result = ws.plan(destroy=destroy_all, only=only, skip=skip)
        if fmt == "text":
            _say_recovered(ws, result)
    # the document (fingerprints of every live object, a checksum) only when something reads it
    doc = render.plan_json(result) if (out or fmt != "text" or _events is not None) else None
    _emit_plan(s, result, doc, fmt)
    if out and doc is not None:
        _write_private(Path(out), render.dumps(doc) + "\n")
    if result.refusals:
        raise PlanError(
            f"the plan refuses {len(result.refusals)} change(s)", [c.refusal or "" for c in result.refusals]
        )
    return EXIT_CHANGES if (detailed_exitcode and (result.has_changes or result.waiting)) else 0


def _emit_plan(s: Settings, result: Plan, doc: dict[str, Any] | None, fmt: str) -> None:
    if doc is not None and _events is not None:
        for change in doc["resource_changes"]:
            _emit("planned_change", **change)
        _emit("plan", **{k: v for k, v in doc.items() if k != "resource_changes"})
    elif doc is not None and fmt == "json":
        _out(render.dumps(doc))
    elif doc is not None and fmt == "markdown":
        from .report_markdown import plan_markdown

        _out(plan_markdown(doc))
    else:
        _out(render.plan_text(result, color=s.color))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


# ------------------------------------------------------------------ drift
@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown", "junit"]), default="text", show_default=True
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    help="Write the report to FILE in --format (stdout then gets the text summary).",
)
@pass_settings
def drift(s: Settings, paths: tuple[str, ...], fmt: str, output: str | None) -> int:
    """Report what changed outside provisioner. Read-only: sends no write, takes no lock."""
    from .drift import drift_json, drift_report, drift_text

    with s.workspace(paths, read_only=True) as ws:
        report = drift_report(ws.plan(), ws.ignores)
    doc = drift_json(report)
    if _events is not None:
        for item in doc["resources"]:
            _emit("drift_item", **item)
        _emit("summary", **{k: v for k, v in doc.items() if k != "resources"})
    rendered = _drift_format(doc, fmt, drift_text(report))
    if output:
        _write_private(Path(output), rendered + "\n")
        _out(drift_text(report))
    else:
        _out(rendered)
    return EXIT_CHANGES if report.has_drift else 0


def _drift_format(doc: dict[str, Any], fmt: str, text: str) -> str:
    if fmt == "json":
        return render.dumps(doc)
    if fmt == "markdown":
        from .report_markdown import drift_markdown

        return drift_markdown(doc)
    if fmt == "junit":
        from .report_junit import drift_junit

        return drift_junit(doc)
    return text


# ------------------------------------------------------------------ apply / destroy
@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="Apply exactly this saved plan (from `plan --out`), or refuse if anything changed since.",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--parallelism", type=click.IntRange(1, 256), default=10, show_default=True, help="Concurrent API writes."
)
@click.option("--no-wait", is_flag=True, help="Do not wait for asynchronous operations; the next run re-checks them.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=0.0, help="Seconds to wait for the state lock.")
@_targets
@pass_settings
def apply(
    s: Settings,
    paths: tuple[str, ...],
    plan_file: str | None,
    auto_approve: bool,
    parallelism: int,
    no_wait: bool,
    lock_timeout: float,
    only: tuple[str, ...],
    skip: tuple[str, ...],
) -> int:
    """Make the accounts match the manifests (or apply a saved plan with --plan FILE)."""
    if plan_file is not None:
        if paths or only or skip:
            raise UsageError(
                "apply --plan FILE takes no PATH, --only or --skip: the saved plan names its manifest and targets"
            )
        return _apply_saved(s, plan_file, auto_approve, parallelism, no_wait, lock_timeout)
    if not paths:
        raise UsageError("apply needs manifest PATH(s), or --plan FILE with a saved plan")
    run = _Run(auto_approve, parallelism, no_wait, lock_timeout, only, skip)
    return _converge(s, paths, run, destroy=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--parallelism", type=click.IntRange(1, 256), default=10, show_default=True)
@click.option("--lock-timeout", type=click.FloatRange(0), default=0.0)
@_targets
@pass_settings
def destroy(
    s: Settings,
    paths: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    lock_timeout: float,
    only: tuple[str, ...],
    skip: tuple[str, ...],
) -> int:
    """Delete everything the manifests manage (protected and non-fungible objects excepted)."""
    return _converge(s, paths, _Run(auto_approve, parallelism, False, lock_timeout, only, skip), destroy=True)


class _Run:
    def __init__(
        self,
        auto_approve: bool,
        parallelism: int,
        no_wait: bool,
        lock_timeout: float,
        only: tuple[str, ...] = (),
        skip: tuple[str, ...] = (),
    ) -> None:
        self.auto_approve, self.parallelism, self.no_wait = auto_approve, parallelism, no_wait
        self.lock_timeout, self.only, self.skip = lock_timeout, only, skip


def _converge(s: Settings, paths: tuple[str, ...], run: _Run, *, destroy: bool) -> int:
    with s.workspace(paths) as ws, ws.locked(timeout=run.lock_timeout):
        result = ws.plan(destroy=destroy, only=run.only, skip=run.skip)
        return _execute(s, ws, result, run)


def _apply_saved(
    s: Settings, plan_file: str, auto_approve: bool, parallelism: int, no_wait: bool, lock_timeout: float
) -> int:
    from .savedplan import load

    saved = load(plan_file)
    with s.workspace(list(saved.files)) as ws, ws.locked(timeout=lock_timeout):
        fresh = ws.check_saved(saved)  # refuses, having written nothing, if anything changed
        _out(f"Saved plan {saved.path} ({saved.plan_id[:12]}) is current: applying exactly it.")
        run = _Run(auto_approve, parallelism, no_wait, lock_timeout)
        return _execute(s, ws, fresh, run, saved_id=saved.plan_id)


def _execute(s: Settings, ws: Workspace, result: Plan, run: _Run, saved_id: str | None = None) -> int:
    _say_recovered(ws, result)
    _emit_plan(s, result, render.plan_json(result) if _events is not None else None, "text")
    if result.refusals:
        raise PlanError(
            f"cannot apply: the plan refuses {len(result.refusals)} change(s); nothing was changed",
            [c.refusal or "" for c in result.refusals],
        )
    if not result.has_changes and not result.waiting:
        _emit("summary", ok=True, counts={}, writes=0)
        return 0
    if not run.auto_approve:
        if not sys.stdin.isatty():
            raise UsageError("refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve")
        if not click.confirm("\nApply these changes?", default=False):
            _out("Apply cancelled; nothing was changed.")
            return 1
    if saved_id is not None:
        ws.state.mark_plan_applied(saved_id)  # before the first write: a saved plan applies once
    _out("")
    _out("Applying…")

    last_wait: dict[str, tuple[str, float]] = {}

    def on_event(phase: str, change: Any, step: Any) -> None:
        if phase == "wait":  # one line when the status changes, then one every 10 s
            _emit("wait", name=change.name, type=change.kind, message=step.message, seconds=round(step.seconds, 3))
            said, at = last_wait.get(change.name, ("", -10.0))
            if step.message != said or step.seconds - at >= 10:
                last_wait[change.name] = (step.message, step.seconds)
                _out(render.wait_line(step, color=s.color))
            return
        if phase == "start":
            _emit("apply_start", name=change.name, type=change.kind, action=change.action.value)
            if s.verbose:
                _out(f"  → {change.name}: {change.action.value}…")
        elif phase == "end" and step is not None:
            _emit("apply_result", **render.step_json(step))
            if not (step.action == "noop" and step.status == "done"):
                _out(render.step_line(step, color=s.color))

    if _events is None:  # text progress: say when a provider's rate limit holds calls back
        ws.counter.listener = _ThrottleLines(s.color)
    try:
        with _Interrupts(ws) as cancel:
            outcome = ws.apply(
                result, parallelism=run.parallelism, no_wait=run.no_wait, on_event=on_event, cancel=cancel
            )
    except ApplyError as exc:
        _out("")
        _out(render.apply_summary(exc.results, color=s.color))
        _say_throttled(ws)
        _emit("summary", **render.apply_json(exc.results))
        for step in exc.results.failed:
            _out(f"Error: {step.message}", err=True)
        if isinstance(exc, ApplyInterrupted):
            left = len(exc.results.not_started) + sum(1 for r in exc.results.steps if r.status == "pending")
            _out(
                f"Interrupted: {left} change(s) not finished; what landed is recorded in state. "
                "Run `provision apply` again to finish.",
                err=True,
            )
        return exit_code(exc)
    _out("")
    _out(render.apply_summary(outcome, color=s.color))
    _say_throttled(ws)
    _emit("summary", **render.apply_json(outcome))
    return 0


class _ThrottleLines:
    """One progress line when a rate-limit bucket starts holding calls back, then at most one per
    bucket every 10 s (a throttled run of thousands of calls must not print thousands of lines)."""

    EVERY = 10.0

    def __init__(self, color: bool) -> None:
        self.color = color
        self._said: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        if event != "throttle" or details.get("seconds", 0) < 0.5:
            return
        key = f"{details.get('provider')} {details.get('bucket')}"
        now = time.monotonic()
        with self._lock:
            if now - self._said.get(key, -self.EVERY) < self.EVERY:
                return
            self._said[key] = now
        why = {"retry_after": "the provider asked to wait (Retry-After)", "reset": "the rate-limit window is spent"}
        reason = why.get(str(details.get("reason")), "holding to the provider's rate limit")
        _out(f"  … {key}: {reason}; waiting {details['seconds']:.1f}s")


def _say_throttled(ws: Workspace) -> None:
    counter = ws.counter
    if counter.throttle_waits:
        _out(
            f"Rate limits held {counter.throttle_waits} call(s) back for {counter.throttled_seconds:.1f}s in total "
            f"(summed over parallel calls); {counter.retries} call(s) retried."
        )


def _say_recovered(ws: Workspace, result: Plan) -> None:
    """Before anything else: what an interrupted run left behind, and what happens to it."""
    intents = ws.state.read().intents
    lines = []
    for c in result.changes:
        if c.recovered and c.live is not None:
            lines.append(
                f"  {c.name} ({c.kind}): found {c.live.id}, created by that run; adopting it (not creating another)"
            )
        elif c.name in intents and c.action in (Action.CREATE, Action.REPLACE):
            lines.append(f"  {c.name} ({c.kind}): its create never landed; it is created now")
    if lines:
        _out("Recovered from an interrupted run:")
        for line in lines:
            _out(line)
        _out("")


class _Interrupts:
    """SIGINT/SIGTERM handlers for the length of an apply (the previous ones are restored after).

    The first signal sets the runner's cancel flag: no new change starts, calls in flight finish and
    are recorded, waits stop after their current poll, and the apply exits 130 with a summary. The
    second stops at once (exit 130): like a crash, which is safe — journal records are atomic and
    intents precede non-idempotent creates, so the next run recovers what was in flight. Our state
    lock is released first, so that next run need not `provision unlock`."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.cancel = threading.Event()
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():  # only the main thread may set handlers
            self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self.cancel

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.cancel.is_set():
            self.cancel.set()
            _stderr(
                "\nInterrupted: no new change will start; letting the calls in flight finish and recording them "
                "(interrupt again to stop at once)."
            )
            return
        _stderr("Stopped at once: anything still in flight is recovered by the next `provision apply`.")
        self._release_lock()
        try:
            sys.stdout.flush()
        except Exception:  # the main thread may have been mid-write: lose the tail rather than hang
            pass
        os._exit(130)

    def _release_lock(self) -> None:
        try:
            holder = self.ws.state.lock_holder()
            if holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname():
                self.ws.state.force_unlock()
        except Exception:  # stopping at once matters more; `provision unlock` clears a lock left behind
            pass


def _stderr(text: str) -> None:
    """Write from a signal handler: straight to the file descriptor, no buffer a thread may hold."""
    os.write(2, (text + "\n").encode())


# ------------------------------------------------------------------ export
@cli.command()
@click.option("--provider", "provider", required=True, type=click.Choice(["vonage", "sinch", "infobip"]))
@click.option("--type", "types", multiple=True, metavar="KIND", help="Only this kind (e.g. vonage.number). Repeatable.")
@click.option(
    "--output", "output", type=click.Path(dir_okay=False), help="Write the manifest to FILE (default stdout)."
)
@pass_settings
def export(s: Settings, provider: str, types: tuple[str, ...], output: str | None) -> int:
    """Write a manifest declaring what exists in a provider account (read-only)."""
    from . import registry
    from .export import export_manifest

    for kind in types:
        if kind not in registry.all_kinds() or not kind.startswith(provider + "."):
            known = ", ".join(k for k in sorted(registry.all_kinds()) if k.startswith(provider + "."))
            raise UsageError(f"--type {kind} is not a {provider} kind; choose from {known}")
    with Workspace.bare(Path.cwd(), sandbox=s.sandbox, sandbox_url=s.sandbox_url, read_only=True) as ws:
        if _events is not None:
            ws.counter.listener = _events.listener
        result = export_manifest(ws, provider, list(types) or None)
    if output:
        _write_private(Path(output), result.yaml)
        _out(f"Wrote {result.resources} resource(s) to {output}.", err=True)
    elif _events is not None:
        _emit("export", yaml=result.yaml, resources=result.resources)
    else:
        click.echo(result.yaml, nl=False)
    for note in result.notes:
        _out(f"note: {note}", err=True)
    if result.env_placeholders:
        _out("Set these environment variables before planning: " + ", ".join(result.env_placeholders), err=True)
    return 0


# ------------------------------------------------------------------ import
@cli.command("import")
@click.argument("path")
@click.argument("name")
@click.argument("object_id", metavar="ID")
@pass_settings
def import_(s: Settings, path: str, name: str, object_id: str) -> int:
    """Adopt the existing object ID as manifest resource NAME (records it in state; no write call)."""
    with s.workspace((path,)) as ws, ws.locked():
        record = ws.import_object(name, object_id)
    _out(f"Imported {record.id} as {name} ({record.kind}); run `provision plan` to see what the manifest would change.")
    return 0


# ------------------------------------------------------------------ state
@cli.group()
def state() -> None:
    """Inspect or edit recorded state (no API call)."""


@state.command("list")
@pass_settings
def state_list(s: Settings) -> int:
    """List managed resources."""
    snap = s.state_backend().read()
    for name, rec in sorted(snap.resources.items()):
        flag = "" if rec.status == "ready" else f"  [{rec.status}]"
        _out(f"{name}\t{rec.kind}\t{rec.id}{flag}")
    for name, intent in sorted(snap.intents.items()):
        _out(f"{name}\t{intent.kind}\t(interrupted create since {intent.started})")
    return 0


@state.command("show")
@click.argument("name")
@pass_settings
def state_show(s: Settings, name: str) -> int:
    """Show one resource's record (secrets are fingerprints, never values)."""
    snap = s.state_backend().read()
    rec = snap.resources.get(name)
    if rec is None:
        raise StateError(f"cannot show {name}: no such resource in state; `provision state list` shows what is there")
    _out(json.dumps(rec.to_json(), indent=2, sort_keys=True))
    return 0


@state.command("rm")
@click.argument("name")
@pass_settings
def state_rm(s: Settings, name: str) -> int:
    """Stop managing NAME without touching the provider."""
    backend = s.state_backend()
    with backend.lock(LockInfo.current()):
        if name not in backend.read().resources:
            raise StateError(
                f"cannot remove {name} from state: no such resource; `provision state list` shows what is there"
            )
        backend.remove(name)
        backend.compact()
    _out(f"Removed {name} from state; the object itself was not touched.")
    return 0


@state.command("mv")
@click.argument("old")
@click.argument("new")
@pass_settings
def state_mv(s: Settings, old: str, new: str) -> int:
    """Rename a resource in state (after renaming it in the manifest)."""
    backend = s.state_backend()
    with backend.lock(LockInfo.current()):
        backend.rename(old, new)
        backend.compact()
    _out(f"Renamed {old} to {new} in state; no API call was made.")
    return 0


@state.command("migrate")
@click.option("--to", "to", required=True, metavar="DIR|URL", help="The empty destination state.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=0.0, help="Seconds to wait for either lock.")
@pass_settings
def state_migrate(s: Settings, to: str, lock_timeout: float) -> int:
    """Copy this state (--state, PROVISION_STATE or .provision/) into another backend. No API call."""
    from .state import migrate_state

    source = s.state_backend()
    target = open_state(to, Path.cwd())
    count = migrate_state(source, target, timeout=lock_timeout)
    _out(
        f"Copied {count} resource(s) from {source.description} to {target.description}; "
        "point --state / PROVISION_STATE / the manifest's state: at the new one, then retire the old."
    )
    return 0


@cli.command()
@click.option("--force", is_flag=True, help="Remove the lock even if its holder still seems to be running.")
@pass_settings
def unlock(s: Settings, force: bool) -> int:
    """Release a state lock left behind by a run that is gone."""
    backend = s.state_backend()
    holder = backend.lock_holder()
    if holder is None:
        _out("The state is not locked.")
        return 0
    alive = backend.holder_alive(holder)  # None: cannot tell (another host): assume it runs
    if not force and alive is not False:
        still = "is still running" if alive else "may still be running (it is on another host)"
        raise StateError(
            f"cannot unlock {backend.description}: it is held by {holder.describe()}, which {still}; "
            "wait for it, or pass --force if you are sure"
        )
    backend.force_unlock()
    _out(f"Unlocked {backend.description} (was held by {holder.describe()}).")
    return 0


# ------------------------------------------------------------------ provider actions that need a person
@cli.group("sinch")
def sinch_group() -> None:
    """Sinch actions that need a person (e.g. the WhatsApp sender's one-time code)."""


@sinch_group.command("verify-sender")
@click.argument("path")
@click.argument("name")
@click.option("--code", help="The 6-digit code Meta sent. Without it, the code is requested (sent by SMS or voice).")
@click.option("--method", type=click.Choice(["SMS", "VOICE"]), default=None, help="How Meta sends the code.")
@pass_settings
def sinch_verify_sender(s: Settings, path: str, name: str, code: str | None, method: str | None) -> int:
    """Register and verify the phone number of the WhatsApp sender NAME (a sinch.whatsapp_sender)."""
    from .providers.sinch.whatsapp_sender import verify_sender

    with s.workspace((path,)) as ws, ws.locked():
        _out(verify_sender(ws, name, code, method).message)
    return 0


# ------------------------------------------------------------------ sandbox
@cli.group()
def sandbox() -> None:
    """The local provider emulator."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=4010, show_default=True, help="Admin port (0 = any free port).")
@click.option("--data", type=click.Path(file_okay=False), help="Persist the fake accounts in DIR (SQLite).")
@click.option(
    "--faults", type=click.FloatRange(0, 1), default=0.0, help="Rate of injected faults (429/5xx) on every API."
)
@click.option(
    "--inventory-size", type=click.IntRange(1), default=1000, show_default=True, help="Available numbers per country."
)
@click.option(
    "--credentials", type=click.Path(dir_okay=False, exists=True), help="JSON file pinning accepted credentials."
)
def sandbox_serve(
    host: str, port: int, data: str | None, faults: float, inventory_size: int, credentials: str | None
) -> int:
    """Serve every provider API on its own loopback port; print the endpoint map as JSON."""
    from .sandbox import SandboxConfig, serve

    creds = json.loads(Path(credentials).read_text()) if credentials else None
    cfg = SandboxConfig(
        data_dir=Path(data) if data else None,
        host=host,
        admin_port=port,
        inventory_size=inventory_size,
        credentials=creds,
    )
    if faults:
        cfg = _with_faults(cfg, faults)
    serve(cfg)
    return 0


def _with_faults(cfg: Any, rate: float) -> Any:
    import dataclasses

    if "faults" in {f.name for f in dataclasses.fields(cfg)}:
        return dataclasses.replace(cfg, faults=[{"api": "*", "rate": rate, "status": 503, "retry_after": 0}])
    raise UsageError("this sandbox build does not support --faults")


# ------------------------------------------------------------------ entry point
def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="provision", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        exc.show()
        code = EXIT_USAGE
    except click.exceptions.Abort:
        _out("Aborted; nothing more was changed.", err=True)
        code = 1
    except ManifestError as exc:
        for issue in exc.issues:
            click.echo(f"Error: {issue}", err=True)
        code = exit_code(exc)
        _emit("error", message=str(exc), details=[str(i) for i in exc.issues], exit_code=code)
    except PlanError as exc:
        click.echo(f"Error: {exc}", err=True)
        for r in exc.refusals:
            click.echo(f"  ✗ {r}", err=True)
        code = exit_code(exc)
        _emit("error", message=str(exc), details=list(exc.refusals), exit_code=code)
    except ProvisionerError as exc:
        click.echo(f"Error: {exc}", err=True)
        code = exit_code(exc)
        _emit("error", message=str(exc), details=[], exit_code=code)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        _out("Interrupted; what landed is recorded in state.", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
