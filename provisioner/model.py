"""Plain values shared by every layer: manifest resources, references, live objects, secrets.

A leaf module: it imports nothing from the project.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where something was written: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Ref:
    """A ``${name.attr}`` reference to another resource's property or provider-assigned attribute.

    ``attr`` is a dotted path: ``id`` (attribute) or ``name`` / ``capabilities.voice...`` (property).
    """

    resource: str
    attr: str
    location: Location | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return "${" + f"{self.resource}.{self.attr}" + "}"


@dataclass(frozen=True)
class Template:
    """A string with references embedded in literal text: ``"${app.id}-suffix"``."""

    parts: tuple[str | Ref, ...]

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


class Unknown:
    """A value only known after apply (a reference to something not yet created)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(known after apply)"

    __str__ = __repr__


UNKNOWN = Unknown()


class Secret(str):
    """A string that must never be printed. ``repr``/``str`` formatting of containers hides it.

    It is still a ``str`` so it can be sent on the wire; call ``reveal()`` to be explicit.
    """

    def __repr__(self) -> str:
        return "Secret('***')"

    def reveal(self) -> str:
        return str.__str__(self)


def copy_tree(value: Any) -> Any:
    """A deep copy of manifest-shaped data (dicts, lists, scalars), for code that fills in
    defaults in place. ~3x faster than ``copy.deepcopy`` (no memo, no dispatch table): kinds
    normalise every object of every plan. Anything else falls back to ``copy.deepcopy``."""
    cls = value.__class__
    if cls is dict:
        return {k: copy_tree(v) for k, v in value.items()}
    if cls is list:
        return [copy_tree(v) for v in value]
    if value is None or isinstance(value, str | int | float):  # immutable (Secret and bool included)
        return value
    return copy.deepcopy(value)


def fingerprint(value: str, key: bytes = b"provisioner-fp-v1") -> str:
    """A keyed, non-reversible fingerprint for showing that a secret changed (never the secret)."""
    return hmac.new(key, str.__str__(value).encode(), hashlib.sha256).hexdigest()[:12]


class OnDelete(StrEnum):
    DELETE = "delete"
    RETAIN = "retain"


@dataclass(frozen=True)
class Options:
    """The ``options:`` block of a resource."""

    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    on_delete: OnDelete | None = None  # None: the kind's default
    timeouts: Mapping[str, float] = field(default_factory=dict)  # seconds: create/update/delete/ready
    import_id: str | None = None  # options.import: adopt this existing object instead of creating one
    on_missing: str | None = None  # "recreate" | "fail" when deleted outside; None: the kind's default

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.protect:
            out["protect"] = True
        if self.ignore_changes:
            out["ignore_changes"] = list(self.ignore_changes)
        if self.depends_on:
            out["depends_on"] = list(self.depends_on)
        if self.on_delete is not None:
            out["on_delete"] = self.on_delete.value
        if self.timeouts:
            out["timeouts"] = dict(self.timeouts)
        if self.import_id is not None:
            out["import"] = self.import_id
        if self.on_missing is not None:
            out["on_missing"] = self.on_missing
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Options:
        data = data or {}
        on_delete = data.get("on_delete")
        return cls(
            protect=bool(data.get("protect", False)),
            ignore_changes=tuple(data.get("ignore_changes", ())),
            depends_on=tuple(data.get("depends_on", ())),
            on_delete=OnDelete(on_delete) if on_delete else None,
            timeouts=dict(data.get("timeouts", {})),
            import_id=data.get("import"),
            on_missing=data.get("on_missing"),
        )


@dataclass(frozen=True)
class DesiredResource:
    """One entry under ``resources:`` after loading, interpolation and validation.

    ``properties`` is manifest-shaped (snake_case) and may still hold ``Ref``/``Template`` values,
    which the engine resolves once the referenced resources are known.
    """

    name: str
    kind: str
    properties: Mapping[str, Any]
    options: Options
    location: Location
    # dotted property path ("capabilities.voice.webhooks") → where it was written
    field_locations: Mapping[str, Location] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.kind.split(".", 1)[0]

    def dependencies(self) -> set[str]:
        """Names this resource depends on: references plus ``depends_on``."""
        deps = set(self.options.depends_on)
        deps.update(r.resource for r in iter_refs(self.properties))
        deps.discard(self.name)
        return deps


@dataclass(frozen=True)
class Manifest:
    """Every file of a manifest, loaded and validated."""

    files: tuple[Path, ...]
    base_dir: Path
    providers: Mapping[str, Mapping[str, Any]]  # secret values are ``Secret``
    state: Mapping[str, Any] | None
    resources: Mapping[str, DesiredResource]  # in file order
    content_hash: str
    moved: tuple[tuple[str, str], ...] = ()  # ``moved:`` entries: (from, to) resource names
    file_hashes: Mapping[Path, str] = field(default_factory=dict)  # sha256 of each file as read


@dataclass(frozen=True)
class LiveObject:
    """A provider object as observed, already translated to manifest shape.

    ``id`` is the provider's identity for the object (an application UUID; ``GB:447700900001`` for a
    number). ``properties`` is manifest-shaped; ``attributes`` holds provider-assigned values that
    manifests can reference (``id``, ``type``, ...).
    """

    id: str
    properties: Mapping[str, Any]
    attributes: Mapping[str, Any] = field(default_factory=dict)


class ReadinessState(StrEnum):
    READY = "ready"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True)
class Readiness:
    state: ReadinessState
    message: str = ""

    @classmethod
    def ready(cls) -> Readiness:
        return cls(ReadinessState.READY)

    @classmethod
    def pending(cls, message: str = "") -> Readiness:
        return cls(ReadinessState.PENDING, message)

    @classmethod
    def failed(cls, message: str) -> Readiness:
        return cls(ReadinessState.FAILED, message)


def iter_refs(value: Any):  # type: ignore[no-untyped-def]
    """Yield every ``Ref`` inside a (nested) property value."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Template):
        for part in value.parts:
            if isinstance(part, Ref):
                yield part
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from iter_refs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_refs(v)
