"""vonage.number (placeholder: verbs being written)."""
from __future__ import annotations
from typing import ClassVar
from ...kind import Kind
from ...model import OnDelete


class Number(Kind):  # type: ignore[type-arg]
    kind: ClassVar[str] = "vonage.number"
    provider: ClassVar[str] = "vonage"
    schema: ClassVar[str] = "vonage/number.schema.json"
    title: ClassVar[str] = "phone number"
    natural_key = ("country", "msisdn")
    attributes = frozenset({"id", "country", "msisdn", "type", "features"})
    non_fungible = True
    default_on_delete = OnDelete.RETAIN
