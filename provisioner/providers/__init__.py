"""Providers by name. Adding a provider = one entry here plus its package."""

from __future__ import annotations

from types import ModuleType

from . import infobip, sinch, vonage

PROVIDERS: dict[str, ModuleType] = {"vonage": vonage, "sinch": sinch, "infobip": infobip}
