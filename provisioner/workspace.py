"""The typed library entry point: a manifest, its state, and provider clients, wired together.

    with Workspace.open(["examples/quickstart.yaml"], sandbox=True) as ws:
        plan = ws.plan()
        result = ws.apply(plan)

Target selection, in one place:
* ``sandbox=True`` starts an in-process sandbox with data under ``<manifest dir>/.provision/sandbox/``
  and keeps state there too (``.provision/sandbox/state``), never mixed with real state;
* ``sandbox_url=URL`` uses a running sandbox (its admin URL) and the same sandbox state location;
* otherwise providers' real base URLs and credentials (manifest block, else environment).
``state`` (a directory or URL) overrides where state lives.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import httpclient, registry
from .apply import ApplyResult, Event, apply_plan
from .errors import ProviderError, StateError, UsageError
from .http import CallCounter
from .ignorefile import IgnoreSet, load_ignores
from .manifest import load_manifest
from .model import Manifest
from .plan import Plan, build_plan, find_object, observe, observe_scopes, view
from .providers import PROVIDERS
from .render import plan_json
from .savedplan import SavedPlan, check_bindings, check_fresh, manifest_sources, refuse
from .state import open_state
from .state.base import LockInfo, ResourceRecord, StateBackend, now_iso
from .wait import SYSTEM_CLOCK, Clock


@dataclass
class Workspace:
    manifest: Manifest
    state: StateBackend
    endpoints: Mapping[str, str] | None  # sandbox endpoints, or None for real providers
    env: Mapping[str, str]
    clock: Clock = SYSTEM_CLOCK
    read_only: bool = False
    counter: CallCounter = field(default_factory=CallCounter)
    ignores: IgnoreSet = field(default_factory=IgnoreSet)  # .provisionignore beside the manifest
    _clients: dict[str, Any] = field(default_factory=dict)
    _sandbox: Any = None

    # -------------------------------------------------------------- construction
    @classmethod
    def open(
        cls,
        paths: Sequence[str | Path],
        *,
        sandbox: bool = False,
        sandbox_url: str | None = None,
        state: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = False,
    ) -> Workspace:
        env = dict(os.environ if env is None else env)
        manifest = load_manifest(paths, env=env)
        ignores = load_ignores(manifest.base_dir)  # before any API call: a bad rule touches nothing
        sandbox_dir = manifest.base_dir / ".provision" / "sandbox"
        server, endpoints = _target(sandbox, sandbox_url, sandbox_dir)
        state_spec = state if state is not None else _state_from_manifest(manifest, env)
        if state_spec is None and endpoints is not None:
            state_spec = sandbox_dir
        backend = open_state(state_spec, manifest.base_dir)
        return cls(manifest, backend, endpoints, env, clock, read_only, ignores=ignores, _sandbox=server)

    @classmethod
    def bare(
        cls,
        base_dir: str | Path,
        *,
        sandbox: bool = False,
        sandbox_url: str | None = None,
        env: Mapping[str, str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = True,
    ) -> Workspace:
        """A workspace with no manifest (for ``provision export``): providers configured from the
        environment (or the sandbox), state under ``base_dir`` (never written by read-only use)."""
        env = dict(os.environ if env is None else env)
        base = Path(base_dir).resolve()
        manifest = Manifest(files=(), base_dir=base, providers={}, state=None, resources={}, content_hash="")
        sandbox_dir = base / ".provision" / "sandbox"
        server, endpoints = _target(sandbox, sandbox_url, sandbox_dir)
        backend = open_state(sandbox_dir if endpoints is not None else base / ".provision", base)
        return cls(manifest, backend, endpoints, env, clock, read_only, _sandbox=server)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._sandbox is not None:
            self._sandbox.stop()
            self._sandbox = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- clients
    def client(self, provider: str) -> Any:
        if provider not in self._clients:
            module = PROVIDERS.get(provider)
            if module is None:
                raise ProviderError(f"cannot configure provider {provider}: not supported yet", provider)
            settings = self.manifest.providers.get(provider, {})
            self._clients[provider] = module.connect(
                settings, self.env, self.endpoints, self.counter, self.clock, self.read_only
            )
        return self._clients[provider]

    def clients_for(self, kinds: set[str]) -> dict[str, Any]:
        return {p: self.client(p) for p in sorted({registry.get(k).provider for k in kinds})}

    # -------------------------------------------------------------- verbs
    @contextmanager
    def locked(self, command: str | None = None, timeout: float = 0.0) -> Iterator[None]:
        with self.state.lock(LockInfo.current(command), timeout=timeout):
            yield

    def plan(self, *, destroy: bool = False, only: Sequence[str] = (), skip: Sequence[str] = ()) -> Plan:
        snapshot = self.state.read()
        kinds = {r.kind for r in self.manifest.resources.values()} | {r.kind for r in snapshot.resources.values()}
        plan = build_plan(
            self.manifest,
            snapshot,
            self.clients_for(kinds),
            self.counter,
            destroy=destroy,
            only=only,
            skip=skip,
            ignores=self.ignores,
        )
        plan.sources = manifest_sources(self.manifest)
        return plan

    def check_saved(self, saved: SavedPlan) -> Plan:
        """A fresh plan equal to ``saved``, or PlanError naming what changed since (nothing written).
        Call with the state lock held, so nothing changes between this check and the apply."""
        reasons = check_bindings(saved, manifest_sources(self.manifest), self.state.read())
        if reasons:
            raise refuse(saved, reasons)
        fresh = self.plan(destroy=saved.destroy, only=saved.only, skip=saved.skip)
        reasons = check_fresh(saved, plan_json(fresh))
        if reasons:
            raise refuse(saved, reasons)
        return fresh

    def import_object(self, name: str, object_id: str) -> ResourceRecord:
        """Record an existing provider object as manifest resource ``name`` (no write call).

        Last-applied becomes the object as it is now, so the next plan shows what the manifest
        would still change as ``config`` changes. ``object_id`` is the id plans show (an
        application UUID, ``GB:447700900001``, ...) or the object's ``id`` attribute."""
        res = self.manifest.resources.get(name)
        if res is None:
            raise StateError(f"cannot import {name}: no such resource in the manifest; add it first, then import")
        snapshot = self.state.read()
        if name in snapshot.resources:
            raise StateError(
                f"cannot import {name}: it is already managed (id {snapshot.resources[name].id}); "
                f"`provision state rm {name}` first if you mean to point it at another object"
            )
        kind = registry.get(res.kind)
        scopes = observe_scopes({res.kind}, self.manifest.resources, snapshot)
        observation = observe([res.kind], self.clients_for({res.kind}), self.counter, scopes)
        live = find_object(observation.by_kind.get(res.kind, {}), object_id)
        if live is None:
            raise StateError(
                f"cannot import {name}: no {kind.title or res.kind} with id {object_id} in the account; "
                "`provision drift` lists unmanaged objects with their ids"
            )
        taken = next((r.name for r in snapshot.resources.values() if r.kind == res.kind and r.id == live.id), None)
        if taken is not None:
            raise StateError(f"cannot import {name}: {live.id} is already managed as {taken}")
        record = ResourceRecord(
            name=name,
            kind=res.kind,
            id=live.id,
            properties=view(kind, live.properties),
            attributes=dict(live.attributes),
            options=res.options.to_json(),
            dependencies=sorted(res.dependencies()),
            status="ready",
            updated=now_iso(),
        )
        self.state.put(record)
        return record

    def apply(
        self,
        plan: Plan,
        *,
        parallelism: int = 10,
        no_wait: bool = False,
        on_event: Event | None = None,
        cancel: threading.Event | None = None,
    ) -> ApplyResult:
        """``apply_plan`` with this workspace's clients; ``cancel`` stops it gracefully (apply.py)."""
        kinds = {c.kind for c in plan.changes}
        return apply_plan(
            plan,
            self.manifest,
            self.state,
            self.clients_for(kinds),
            parallelism=parallelism,
            no_wait=no_wait,
            clock=self.clock,
            on_event=on_event,
            cancel=cancel,
        )


def _target(sandbox: bool, sandbox_url: str | None, sandbox_dir: Path) -> tuple[Any, Mapping[str, str] | None]:
    """Where API calls go: an in-process sandbox with data in ``sandbox_dir`` (returned, to stop
    on close), a running one, or (None, None) for the providers' real endpoints."""
    if sandbox and sandbox_url:
        raise UsageError("use either --sandbox or --sandbox-url, not both")
    if sandbox_url:
        return None, fetch_endpoints(sandbox_url)
    if not sandbox:
        return None, None
    from .sandbox import SandboxConfig, SandboxServer

    sandbox_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # .provision/ holds state: private
    sandbox_dir.mkdir(exist_ok=True, mode=0o700)
    server = SandboxServer(SandboxConfig(data_dir=sandbox_dir))
    server.start()
    return server, dict(server.endpoints)


def _state_from_manifest(manifest: Manifest, env: Mapping[str, str]) -> str | None:
    if env.get("PROVISION_STATE"):
        return env["PROVISION_STATE"]
    block = manifest.state or {}
    if block.get("backend") == "postgres":
        return str(block.get("url") or "")
    return block.get("path")


def fetch_endpoints(admin_url: str) -> dict[str, str]:
    """The API map a running sandbox serves at ``/_sandbox/endpoints``."""
    url = admin_url.rstrip("/") + "/_sandbox/endpoints"
    try:
        with httpclient.Client(timeout=10) as http:
            r = http.get(url).raise_for_status()
        data = r.json()
    except (httpclient.HTTPError, ValueError) as exc:
        raise UsageError(
            f"cannot reach the sandbox at {admin_url}: {exc}; start one with `provision sandbox serve`"
        ) from exc
    return {k: v for k, v in data.items() if k != "admin"}
