"""The resource-kind contract: behaviour declared as data, plus four verbs.

A kind is one class in ``providers/<provider>/<resource>.py``, registered by one line in its
provider's ``KINDS`` tuple. The engine relies on this contract:

* ``observe(client)`` only reads. It walks the provider's list endpoint once, at the maximum page
  size, and returns every object translated to manifest shape. Absence is simply not being listed.
  (``observe_under`` / ``observe_scoped`` do the same per parent object / per key of ``observe_by``.)
* ``create`` / ``update`` / ``delete`` are the only writers. Each makes exactly the calls
  ``write_calls`` declares for it (the provider contract's forced extras are documented there).
  ``delete`` of an object that is already gone succeeds. ``update`` is only called for objects that
  exist. ``disable`` is the remover of kinds whose API cannot delete (``removal = "disable"``).
* ``normalize(props)`` is pure: it fills in the provider's defaults so that desired, last-applied
  and live values compare equal when nothing really changed.
* ``ready(live)`` is pure; only ``wait.py`` loops on it.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from .model import LiveObject, OnDelete, Readiness

C = TypeVar("C")


@dataclass(frozen=True)
class CreateContext:
    """What a create may need beyond properties: where the manifest lives, for local files."""

    base_dir: Path
    resource: str


@dataclass(frozen=True)
class FieldChange:
    """One difference at a dotted path. ``old`` is live (or last-applied), ``new`` desired."""

    path: str
    old: Any
    new: Any
    reasons: tuple[str, ...] = ()  # "config", "drift"
    sensitive: bool = False


@dataclass
class Intent:
    """Written to the state journal before a non-idempotent create, cleared after it is recorded."""

    name: str
    kind: str
    natural_id: str | None = None
    match: dict[str, Any] = field(default_factory=dict)  # kind-specific recovery hints
    started: str = ""


class Kind(ABC, Generic[C]):
    """Base class of every resource kind. Class attributes declare behaviour."""

    kind: ClassVar[str]  # "vonage.application"
    provider: ClassVar[str]  # "vonage"
    schema: ClassVar[str]  # "vonage/application.schema.json" under schemas/
    title: ClassVar[str] = ""  # human noun: "application", "phone number"

    # Identity. Empty: the provider assigns ids and identity comes from state.
    natural_key: ClassVar[tuple[str, ...]] = ()
    # Property paths whose change forces delete + create.
    replace_on: ClassVar[frozenset[str]] = frozenset()
    # Property paths that are local only (never sent, never read back, e.g. private_key_path).
    local_only: ClassVar[frozenset[str]] = frozenset()
    # Property paths that are write-only/sensitive: never in state, plans or output (fingerprinted).
    sensitive: ClassVar[frozenset[str]] = frozenset()
    # Property paths the provider never returns (e.g. a webhook secret): compared with last-applied,
    # so they are re-sent only when the manifest's value (its fingerprint) changes.
    write_only: ClassVar[frozenset[str]] = frozenset()
    # Kinds listed per parent object (webhooks per app): the parent kind, observed first.
    parent: ClassVar[str | None] = None
    # Kinds whose API lists objects only under a key the account cannot enumerate (templates per
    # sender, inbound configurations per number), or lists them only in part: the property paths of
    # that key. The engine collects every value the manifest and state give them (references
    # resolved through state) and calls ``observe_scoped`` with them instead of ``observe``.
    observe_by: ClassVar[tuple[str, ...]] = ()
    # At most this many objects per scope (project, app, ...): checked by the plan before any write.
    limit: ClassVar[int | None] = None
    # Top-level properties the provider accepts only once the object is ready (RCS test numbers need
    # the sender in IN_TEST): create leaves them out, apply writes them with one update after the
    # wait, and while the object is pending the plan neither plans nor reports them.
    deferred: ClassVar[frozenset[str]] = frozenset()
    # Property paths the provider fills in itself: compared only when the manifest declares them.
    computed_props: ClassVar[frozenset[str]] = frozenset()
    # Provider-assigned attributes that manifests may reference (``${name.id}``).
    attributes: ClassVar[frozenset[str]] = frozenset({"id"})
    # Update replaces the whole object: every live field is compared, not only declared ones.
    full_replacement: ClassVar[bool] = False
    # Non-fungible objects (phone numbers...) are never replaced or released implicitly.
    non_fungible: ClassVar[bool] = False
    # What removing the resource does when ``options.on_delete`` is not given.
    default_on_delete: ClassVar[OnDelete] = OnDelete.DELETE
    # How the API lets an object go: "delete"; "disable" when it has no delete but can switch the
    # object off (``disable`` is called; the object stays in the account); "forget" when it has
    # neither (no call: the object stays in the account, no longer managed). Plans say which.
    removal: ClassVar[str] = "delete"
    # Creating twice creates two objects (server-assigned ids, purchases): write an intent first.
    create_needs_intent: ClassVar[bool] = True
    # What a plan does when a recorded object was deleted outside provisioner and the manifest gives
    # no ``options.on_missing``: "recreate", or "fail" (refuse and ask;
    # the default for non-fungible objects, which may be gone for good).
    default_on_missing: ClassVar[str] = "recreate"
    # Property paths whose change sends the object back to the provider's review (WhatsApp template
    # content): plans flag such changes as a risk.
    review_fields: ClassVar[frozenset[str]] = frozenset()
    # Readiness polling defaults (seconds); options.timeouts override.
    ready_timeout: ClassVar[float] = 300.0
    # Documentation of forced extra calls, shown in docs and used by tests.
    call_notes: ClassVar[str] = ""

    # ---------------------------------------------------------------- identity
    def natural_id(self, props: Mapping[str, Any]) -> str | None:
        """The deterministic identity from desired properties, or None if the provider assigns it."""
        if not self.natural_key:
            return None
        values = [props.get(k) for k in self.natural_key]
        if any(v is None or not isinstance(v, str) for v in values):
            return None
        return ":".join(values)  # type: ignore[arg-type]

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        """After a crash between a create call and its state record, find what the call made.

        ``candidates`` are live objects not claimed by any state record. Natural-key kinds match
        by key; others override this with their own evidence.
        """
        if intent.natural_id is not None:
            for live in candidates:
                if live.id == intent.natural_id:
                    return live
        return None

    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Evidence recorded in an intent that lets ``recover`` recognise the created object."""
        return {}

    # ---------------------------------------------------------------- pure helpers
    def prepare(self, props: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
        """Desired properties as they will be compared (may read local files, never the network)."""
        return dict(props)

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Fill provider defaults so equal things compare equal. Must be pure."""
        return dict(props)

    def ready(self, live: LiveObject) -> Readiness:
        return Readiness.ready()

    def scope(self, props: Mapping[str, Any]) -> str:
        """Which ``limit`` bucket an object counts against (e.g. its app id). Project-wide by default."""
        return "project"

    def refusal(self, action: str, props: Mapping[str, Any], live: LiveObject | None) -> str | None:
        """Why this kind refuses ``action`` ("delete" / "replace") here, or None. ``props`` are the
        desired properties (replace) or the last-applied ones (delete)."""
        return None

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        """Extra lines the plan shows for this resource (e.g. a key that will be discarded)."""
        return []

    def live_notes(
        self, action: str, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]
    ) -> list[str]:
        """Plan lines that depend on the live object's state (e.g. an edit the provider takes only
        once a review ends). ``changes`` are every difference found, deferred ones included."""
        return []

    def update_refusal(self, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]) -> str | None:
        """Why the provider cannot take these changes to ``live`` in its current state (and waiting
        would not help), or None. The plan refuses the update and says why."""
        return None

    def dormant(self, live: LiveObject) -> bool:
        """An object the account keeps but that does nothing (a disabled object of a kind whose
        removal is "disable"): drift lists it when unmanaged, but not as drift."""
        return False

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        """How many write calls ``action`` makes. One by default; kinds document extras."""
        if action == "import":  # adopting writes nothing (``adopt``); only the update it needs does
            return 1 if changes else 0
        return 0 if action == "noop" else 1

    # ---------------------------------------------------------------- verbs
    def prepare_create(self, props: Mapping[str, Any], ctx: CreateContext) -> dict[str, Any]:
        """Local work before a create (e.g. generating a key pair); runs before the intent."""
        return dict(props)

    @abstractmethod
    def observe(self, client: C) -> Iterable[LiveObject]:
        """Every object of this kind in the account (one paginated walk, max page size)."""

    def observe_under(self, client: C, parents: Sequence[LiveObject]) -> Iterable[LiveObject]:
        """For kinds with a ``parent``: every object under each parent (one walk per parent)."""
        raise NotImplementedError(f"{self.kind} declares a parent but cannot list under it")

    def observe_scoped(self, client: C, scopes: Sequence[tuple[str, ...]]) -> Iterable[LiveObject]:
        """For kinds with ``observe_by``: every object under each scope (one walk per scope). Each
        scope holds the values of the ``observe_by`` paths, in order."""
        raise NotImplementedError(f"{self.kind} declares observe_by but cannot list by it")

    def get(self, client: C, live: LiveObject) -> LiveObject | None:
        """One object by identity, for polling readiness. Defaults to a full walk."""
        return next((o for o in self.observe(client) if o.id == live.id), None)

    @abstractmethod
    def create(self, client: C, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        """Create the object and return it as now live."""

    @abstractmethod
    def update(
        self, client: C, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        """Make the live object match ``props``; return what is now live."""

    @abstractmethod
    def delete(self, client: C, live: LiveObject) -> None:
        """Delete (release) the object; already gone is success."""

    def disable(self, client: C, live: LiveObject) -> None:
        """For ``removal = "disable"``: switch the object off; it stays in the account."""
        raise NotImplementedError(f"{self.kind} declares removal 'disable' but cannot disable")

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        """Manifest properties that declare ``live`` as it is (``provision export``), or None to
        leave the object out (e.g. one the account keeps but that does nothing).

        The default is the live properties without ``computed_props`` (declaring what the provider
        fills in would pin it). The exporter then drops what ``normalize`` fills in anyway, so
        overrides only add kind knowledge: server defaults the kind never compares, secrets the API
        never returns (``UNKNOWN``: the exporter writes an ``${env:...}`` placeholder)."""
        props = copy.deepcopy(dict(live.properties))
        for path in sorted(self.computed_props):
            *parents, leaf = path.split(".")
            node: Any = props
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node.pop(leaf, None)
        return props

    def adopt(self, client: C, live: LiveObject, props: Mapping[str, Any]) -> LiveObject:
        """Take over an existing object found by natural key (import). No call by default."""
        return live
