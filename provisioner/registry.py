"""Kind name → kind instance, built from each provider's ``KINDS`` tuple (the one registration line)."""

from __future__ import annotations

from functools import cache

from .errors import ManifestError
from .kind import Kind


@cache
def all_kinds() -> dict[str, Kind]:  # type: ignore[type-arg]
    from .providers import PROVIDERS

    kinds: dict[str, Kind] = {}  # type: ignore[type-arg]
    for provider in PROVIDERS.values():
        for cls in provider.KINDS:
            kinds[cls.kind] = cls()
    return kinds


def get(kind: str) -> Kind:  # type: ignore[type-arg]
    try:
        return all_kinds()[kind]
    except KeyError:
        known = ", ".join(sorted(all_kinds()))
        raise ManifestError(f'unknown resource type "{kind}"; known types: {known}') from None


def kind_attributes(kind: str) -> frozenset[str]:
    """Provider-assigned attributes a manifest may reference as ``${name.<attr>}``."""
    return get(kind).attributes
