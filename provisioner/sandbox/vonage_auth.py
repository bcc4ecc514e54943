"""Vonage account credentials: HTTP Basic `api_key:api_secret` (both hosts) and, on rest.nexmo.com only,
`api_key`/`api_secret` as query parameters or form fields.

Each api_key is its own account. Any non-empty pair is accepted unless SandboxConfig.credentials pins them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping


class Malformed(Exception):
    """An Authorization header is present but is not usable Basic credentials."""


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(key, secret) from a Basic header; None when there is no header; Malformed when it is unusable."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise Malformed(header)
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Malformed(header) from exc
    key, sep, secret = decoded.partition(":")
    if not sep:
        raise Malformed(header)
    return key, secret


def _pinned(credentials: Mapping | None) -> dict[str, str] | None:
    """api_key -> api_secret when pinned; None when any non-empty pair is accepted."""
    if not credentials or "vonage" not in credentials:
        return None
    entries = credentials["vonage"]
    if isinstance(entries, Mapping):
        entries = [entries]
    return {str(e["api_key"]): str(e["api_secret"]) for e in entries}


class VonageAuth:
    def __init__(self, credentials: Mapping | None) -> None:
        self._pinned = _pinned(credentials)

    def valid(self, key: str | None, secret: str | None) -> bool:
        if not key or not secret:
            return False
        if self._pinned is None:
            return True
        expected = self._pinned.get(key)
        return expected is not None and hmac.compare_digest(expected.encode(), secret.encode())
