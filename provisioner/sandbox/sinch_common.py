"""Shared pieces of the Sinch emulators (sinch.md §0-§4): error bodies of the three API styles, ids, page tokens,
JSON bodies and routing on the decoded path (the service skeleton itself is sinch_auth.ProjectService).

Error styles:
- Provisioning: PAPI `{"errorCode","message","resolution","additionalInformation"?}` (PapiError).
- Numbers and Conversation: Google RPC `{"error":{"code","message","status","details"}}` (RpcError).
- Authentication failures on Numbers/Conversation: the RFC-7807-like Sinch error registry bodies (sinch_auth).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import uuid
from urllib.parse import unquote

from .router import MethodNotAllowed, Request, Response, Router

# -- ids -----------------------------------------------------------------------------------------------------
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now: float) -> str:
    """ULID (26 Crockford base32 chars, time-ordered) like Sinch's Conversation/Provisioning ids; `now` is the
    sandbox clock so ids sort by sandbox creation time."""
    value = (int(now * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def new_uuid() -> str:
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def random_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


# -- page tokens ---------------------------------------------------------------------------------------------
def encode_page_token(kind: str, offset: int) -> str:
    """Opaque to clients; bound to the list it came from so a token of another list is rejected."""
    raw = json.dumps({"k": kind, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(kind: str, token: str) -> int | None:
    """Offset encoded in `token`, or None when it is not a token of this list."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("k") != kind:
        return None
    offset = data.get("o")
    return offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0 else None


# -- errors --------------------------------------------------------------------------------------------------
class PapiError(Exception):
    """Provisioning API error (sinch.md §2.1)."""

    def __init__(self, status: int, code: str, message: str, resolution: str = "", info: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.resolution, self.info = status, code, message, resolution, info

    def response(self) -> Response:
        body = {"errorCode": self.code, "message": self.message, "resolution": self.resolution}
        if self.info is not None:
            body["additionalInformation"] = self.info
        return Response.json(self.status, body)


def invalid_input(*errors: str, info: dict | None = None) -> PapiError:
    extra = {"validationErrors": list(errors)}
    if info:
        extra.update(info)
    return PapiError(400, "invalid_input", "Invalid input.", "Correct the validation errors and submit again.", extra)


def invalid_payload() -> PapiError:
    return PapiError(400, "invalid_payload", "Invalid payload.", "Correct payload and submit again.")


# google.rpc.Code names by HTTP status (the gateway mapping the Numbers/Conversation APIs follow).
RPC_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class RpcError(Exception):
    """Numbers / Conversation error (sinch.md §3.5, §4.2)."""

    def __init__(self, status: int, message: str, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details or [], headers

    def response(self) -> Response:
        return rpc_response(self.status, self.message, self.details, self.headers)


def rpc_response(status: int, message: str, details: list | None = None, headers: dict | None = None) -> Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": RPC_STATUS.get(status, "UNKNOWN"),
            "details": details or [],
        }
    }
    return Response.json(status, body, headers=headers)


def bad_request(field: str, description: str, message: str = "") -> RpcError:
    """400 INVALID_ARGUMENT with one BadRequest field violation (the shape of the Numbers spec's InvalidArgument)."""
    return RpcError(
        400,
        message or description,
        [{"type": "BadRequest", "fieldViolations": [{"field": field, "description": description}]}],
    )


def not_found(resource_type: str, name: str, description: str) -> RpcError:
    return RpcError(
        404,
        description,
        [
            {
                "type": "ResourceInfo",
                "resourceType": resource_type,
                "resourceName": name,
                "owner": "",
                "description": description,
            }
        ],
    )


# -- requests ------------------------------------------------------------------------------------------------
_MISSING = object()


def read_json(req: Request, on_error: Exception, empty=_MISSING):
    """The parsed JSON body; an empty body gives `empty` (when given) else raises `on_error`."""
    if not req.body.strip():
        if empty is _MISSING:
            raise on_error
        return empty
    try:
        return json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise on_error from None


def query_list(req: Request, name: str) -> list[str]:
    """A repeated query parameter, accepting `name=a&name=b`, `name[]=a` and `name=a,b`."""
    values = req.query.get(name, []) + req.query.get(name + "[]", [])
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def first_query(req: Request, *names: str) -> str | None:
    for name in names:
        value = req.arg(name)
        if value is not None:
            return value
    return None


# -- service skeleton ----------------------------------------------------------------------------------------
class Unrouted(Exception):
    """No route matched (allowed is None) or only the verb is wrong (allowed = the verbs that would match)."""

    def __init__(self, allowed: list[str] | None = None):
        super().__init__("unrouted")
        self.allowed = allowed


def match(router: Router, req: Request):
    """Routes on the percent-decoded path. `+` stays a plus and `:verb` stays part of the segment (sinch.md §7.5);
    the router must see `+12015550100:release`, not a space."""
    path = unquote(req.path)
    try:
        matched = router.match(req.method, path)
    except MethodNotAllowed as exc:
        raise Unrouted(exc.allowed) from None
    if matched is None:
        raise Unrouted()
    handler, req.params = matched
    return handler
