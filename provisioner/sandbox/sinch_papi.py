"""Conventions shared by the Provisioning API routes (sinch.md §2.1-§2.2): JSON bodies, class-validator style
validation messages collected into one `invalid_input`, and pageToken/pageSize pagination.

Pagination: `pageSize` must be numeric (400 invalid_page_size) and inside the list's bounds (400 invalid_input),
`pageToken` must be one this list issued (400 invalid_page_token). Responses are
`{totalSize, pageSize, previousPageToken?, nextPageToken?, <items>}`; absent tokens are omitted.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .router import Request
from .sinch_common import (
    PapiError,
    decode_page_token,
    encode_page_token,
    invalid_input,
    invalid_payload,
    read_json,
)


def body_object(req: Request, allowed: tuple[str, ...] | None = None, empty: dict | None = None) -> dict:
    """The JSON object body. Unknown properties are rejected the NestJS way ("property x should not exist")."""
    body = read_json(req, invalid_payload(), empty) if empty is not None else read_json(req, invalid_payload())
    if not isinstance(body, dict):
        raise invalid_payload()
    if allowed is not None:
        unknown = [f"property {k} should not exist" for k in body if k not in allowed]
        if unknown:
            raise invalid_input(*unknown)
    return body


def not_found(resource: str, info: dict) -> PapiError:
    """404 for one resource; the errorCode is the sandbox's (the real per-resource codes were not seen)."""
    return PapiError(404, "not_found", f"{resource} not found.", f"Verify that the {resource.lower()} exists.", info)


def invalid_state(message: str, resolution: str, info: dict) -> PapiError:
    """An operation the resource's current state does not allow (sandbox code, see README)."""
    return PapiError(400, "invalid_state", message, resolution, info)


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


class Checks:
    """Collects class-validator style messages; `raise_if_any` turns them into one 400 invalid_input."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, message: str) -> None:
        self.errors.append(message)

    def raise_if_any(self, info: dict | None = None) -> None:
        if self.errors:
            raise invalid_input(*self.errors, info=info)

    def string(
        self,
        obj: dict,
        key: str,
        required: bool = True,
        path: str | None = None,
        url: bool = False,
        max_len: int | None = None,
        pattern: str | None = None,
    ) -> str | None:
        name = path or key
        if key not in obj or obj[key] is None:
            if required:
                self.add(f"{name} should not be empty")
                self.add(f"{name} must be a string")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.add(f"{name} must be a string")
            return None
        if required and not value:
            self.add(f"{name} should not be empty")
        elif url and value and not is_url(value):
            self.add(f"{name} must be a URL address")
        if max_len is not None and len(value) > max_len:
            self.add(f"{name} must be shorter than or equal to {max_len} characters")
        if pattern is not None and value and not re.fullmatch(pattern, value):
            self.add(f"{name} must match /^{pattern}$/ regular expression")
        return value

    def enum(
        self, obj: dict, key: str, values: tuple[str, ...], required: bool = True, path: str | None = None
    ) -> str | None:
        name = path or key
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{name} should not be empty")
                self.add(f"{name} must be one of the following values: {', '.join(values)}")
            return None
        if value not in values:
            self.add(f"{name} must be one of the following values: {', '.join(values)}")
            return None
        return value

    def boolean(self, obj: dict, key: str, path: str | None = None) -> bool | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, bool):
            self.add(f"{path or key} must be a boolean value")
            return None
        return value

    def integer(
        self, obj: dict, key: str, lo: int | None = None, hi: int | None = None, path: str | None = None
    ) -> int | None:
        name = path or key
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{name} must be an integer number")
            return None
        if lo is not None and value < lo:
            self.add(f"{name} must not be less than {lo}")
        if hi is not None and value > hi:
            self.add(f"{name} must not be greater than {hi}")
        return value

    def obj(self, obj: dict, key: str, required: bool = False, path: str | None = None) -> dict | None:
        name = path or key
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{name} should not be empty")
            return None
        if not isinstance(value, dict):
            self.add(f"nested property {name} must be either object or array")
            return None
        return value

    def enum_list(
        self,
        obj: dict,
        key: str,
        values: tuple[str, ...],
        required: bool = True,
        unique: bool = True,
        path: str | None = None,
    ) -> list[str] | None:
        name = path or key
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{name} should not be empty")
                self.add(f"{name} must be an array")
            return None
        if not isinstance(value, list):
            self.add(f"{name} must be an array")
            return None
        if required and not value:
            self.add(f"{name} should not be empty")
        if any(v not in values for v in value):
            self.add(f"each value in {name} must be one of the following values: {', '.join(values)}")
        if unique and len({str(v) for v in value}) != len(value):
            self.add(f"All {name}'s elements must be unique")
        return value


def page(req: Request, items: list, key: str, kind: str, lo: int, hi: int, default: int) -> dict:
    raw = req.arg("pageSize")
    size = default
    if raw not in (None, ""):
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise PapiError(
                400, "invalid_page_size", "Page size must be numeric.", "Correct the page size and try again."
            )
        size = int(raw)
        if size < lo:
            raise invalid_input(f"pageSize must not be less than {lo}")
        if size > hi:
            raise invalid_input(f"pageSize must not be greater than {hi}")
    offset = 0
    token = req.arg("pageToken")
    if token:
        decoded = decode_page_token(kind, token)
        if decoded is None:
            raise PapiError(400, "invalid_page_token", "Invalid page token.", "Use a page token returned by this list.")
        offset = decoded
    body: dict = {"totalSize": len(items), "pageSize": size}
    if offset > 0:
        body["previousPageToken"] = encode_page_token(kind, max(0, offset - size))
    if offset + size < len(items):
        body["nextPageToken"] = encode_page_token(kind, offset + size)
    body[key] = items[offset : offset + size]
    return body


def bool_query(req: Request, name: str, default: bool = False) -> bool:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise invalid_input(f"{name} must be a boolean value")
    return raw.lower() == "true"
