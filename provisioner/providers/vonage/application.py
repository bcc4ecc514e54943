"""vonage.application (placeholder: verbs being written)."""
from __future__ import annotations
from typing import ClassVar
from ...kind import Kind


class Application(Kind):  # type: ignore[type-arg]
    kind: ClassVar[str] = "vonage.application"
    provider: ClassVar[str] = "vonage"
    schema: ClassVar[str] = "vonage/application.schema.json"
    title: ClassVar[str] = "application"
    local_only = frozenset({"private_key_path"})
    attributes = frozenset({"id", "public_key"})
    full_replacement = True
