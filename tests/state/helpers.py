from __future__ import annotations

from provisioner.state import IntentRecord, ResourceRecord


def rec(name: str, **kw) -> ResourceRecord:
    kw.setdefault("kind", "vonage.application")
    kw.setdefault("id", f"id-{name}")
    kw.setdefault("properties", {"name": name})
    return ResourceRecord(name=name, **kw)


def intent(name: str, **kw) -> IntentRecord:
    kw.setdefault("kind", "vonage.number")
    return IntentRecord(name=name, **kw)
