"""Vonage (Nexmo): Application API v2 on api.nexmo.com, Numbers API on rest.nexmo.com."""

from __future__ import annotations

from .application import Application
from .client import VonageClient, connect
from .number import Number

KINDS = (Application, Number)

__all__ = ["KINDS", "Application", "Number", "VonageClient", "connect"]
