"""Shared pieces of the Infobip emulator (infobip.md §1): the two error bodies, ids, timestamps, JSON bodies,
validation collected per field, and the two paging styles.

Error shapes (§1.3), chosen per route by its API family:
- LEGACY `{"requestError":{"serviceException":{"messageId","text","validationErrors"?}}}` (Numbers, inbound message
  configurations, App/Entity, 2FA, WhatsApp templates, Subscriptions, Calls configurations, Number Masking, auth).
- API_ERROR `{"errorCode","description","action","violations":[{property,violation}],"resources":[]}` (RCS senders,
  resource requests), with the canonical E400/E401/E403/E404/E409/E429/E500 texts of the specs' `ApiError*`
  responses. Unknown paths answer E404 too (its description reads "request URL doesn't exist on the API server").
Handlers raise `Fail(response)`; the service turns it into the answer.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .router import Request, Response

LEGACY, API_ERROR = "legacy", "api_error"


class Fail(Exception):
    """An error answer, raised from anywhere inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# -- legacy ApiException -----------------------------------------------------------------------------------------
def legacy_body(message_id: str, text: str, validation_errors: dict | None = None) -> dict:
    exc: dict = {"messageId": message_id, "text": text}
    if validation_errors:
        exc["validationErrors"] = validation_errors
    return {"requestError": {"serviceException": exc}}


def legacy(status: int, message_id: str, text: str, validation_errors: dict | None = None) -> Fail:
    return Fail(Response.json(status, legacy_body(message_id, text, validation_errors)))


def bad_request(text: str = "Bad request", validation_errors: dict | None = None) -> Fail:
    return legacy(400, "BAD_REQUEST", text, validation_errors)


def not_found(text: str = "Not found") -> Fail:
    return legacy(404, "NOT_FOUND", text)


def empty(status: int) -> Fail:
    """An error the spec declares without a body (e.g. several Numbers 404s)."""
    return Fail(Response.empty(status))


LEGACY_DEFAULTS = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    409: ("CONFLICT", "Conflict"),
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
}
GENERAL_ERROR = ("GENERAL_ERROR", "Something went wrong. Please contact support.")


def legacy_status(status: int) -> Response:
    message_id, text = LEGACY_DEFAULTS.get(status, GENERAL_ERROR)
    return Response.json(status, legacy_body(message_id, text))


# -- ApiError ----------------------------------------------------------------------------------------------------
_DOCS = "https://www.infobip.com/docs/essentials"
API_ERRORS: dict[int, tuple[str, str, str, list]] = {
    400: ("E400", "Request cannot be processed.", "Check the syntax, violations and adjust the request.", []),
    401: (
        "E401",
        "The request lacks valid authentication credentials for the requested resource.",
        "Check the resources and adjust authentication credentials.",
        [{"name": "API Authentication", "url": f"{_DOCS}/api-authentication"}],
    ),
    403: (
        "E403",
        "Insufficient permissions to access the requested resource.",
        "Repeat the request with new or different credentials.",
        [{"name": "API Scopes", "url": f"{_DOCS}/api-essentials/api-authorization#api-scopes"}],
    ),
    404: (
        "E404",
        "Not found - request URL doesn't exist on the API server or resource is not found.",
        "Check the resources and adjust your request.",
        [],
    ),
    # Not in the specs (no 405 is declared anywhere): the sandbox's answer to a known path with another verb.
    405: ("E405", "Method not allowed.", "Check the allowed methods of the resource and adjust your request.", []),
    409: (
        "E409",
        "Request cannot be processed due to conflicts with existing resources",
        "Check violations and adjust the request.",
        [],
    ),
    429: (
        "E429",
        "Too many requests sent.",
        "Check request rate limit specified in the API endpoint documentation resource.",
        [
            {
                "name": "Throttling handling errors",
                "url": f"{_DOCS}/integration-best-practices#throttling-handling-errors",
            }
        ],
    ),
    500: ("E500", "Something went wrong.", "Contact the support.", []),
}


def api_error_body(
    status: int,
    violations: list | None = None,
    code: str | None = None,
    description: str | None = None,
    action: str | None = None,
) -> dict:
    d_code, d_desc, d_action, resources = API_ERRORS.get(status, API_ERRORS[500])
    return {
        "errorCode": code or d_code,
        "description": description or d_desc,
        "action": action or d_action,
        "violations": list(violations or []),
        "resources": [dict(r) for r in resources],
    }


def api_error(status: int, violations: list | None = None, **texts: str) -> Fail:
    return Fail(Response.json(status, api_error_body(status, violations, **texts)))


def violation(prop: str, message: str) -> dict:
    return {"property": prop, "violation": message}


def family_error(family: str, status: int, legacy_text: str | None = None) -> Response:
    """The plain error of a status (401, 404, 429, ...) in the route family's shape."""
    if family == API_ERROR:
        return Response.json(status, api_error_body(status))
    if legacy_text is not None:
        return Response.json(status, legacy_body(LEGACY_DEFAULTS.get(status, GENERAL_ERROR)[0], legacy_text))
    return legacy_status(status)


# -- ids and times -----------------------------------------------------------------------------------------------
def hex_key() -> str:
    """32 uppercase hex chars: numberKey, configurationKey, 2FA ids, masking key (infobip.md §1.6)."""
    return secrets.token_hex(16).upper()


def object_id() -> str:
    """24 lowercase hex chars, like the generated calls configuration id `63467c6e2885a5389ba11d80`."""
    return secrets.token_hex(12)


def legacy_time(ts: float) -> str:
    """`2024-01-01T00:00:00.000+0000` (UTC, offset without colon)."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"


def local_time(ts: float) -> str:
    """`2019-08-16T09:11:36.573` (UTC, no offset): Number Masking's insertDateTime / updateDateTime."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"


# -- bodies ------------------------------------------------------------------------------------------------------
_MISSING = object()


def json_object(req: Request, family: str = LEGACY, allow_empty: bool = False) -> dict:
    """The JSON object body; malformed JSON or another type is a 400 in the family's shape."""
    if not req.body.strip():
        if allow_empty:
            return {}
        raise _body_error(family, "Request body is missing.")
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _body_error(family, "Invalid request body.") from None
    if not isinstance(body, dict):
        raise _body_error(family, "Invalid request body.")
    return body


def _body_error(family: str, text: str) -> Fail:
    if family == API_ERROR:
        return api_error(400, [violation("REQUEST", text)])
    return bad_request(text)


# -- validation --------------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Checks:
    """Collects (property path, message) pairs; `fail` raises one 400 in the family's shape: legacy
    `validationErrors: {path: [messages]}` or ApiError `violations: [{property, violation}]`. Messages follow the
    Bean Validation wording the specs show ("must not be null")."""

    def __init__(self, family: str = LEGACY, text: str = "Bad request") -> None:
        self.family = family
        self.text = text
        self.errors: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def fail(self) -> None:
        if not self.errors:
            return
        if self.family == API_ERROR:
            raise api_error(400, [violation(p, m) for p, m in self.errors])
        grouped: dict[str, list[str]] = {}
        for p, m in self.errors:
            grouped.setdefault(p, []).append(m)
        raise bad_request(self.text, grouped)

    # Each getter returns the value when it is valid (None otherwise, with the error recorded).
    def _get(self, obj: dict, key: str, path: str, required: bool, accepts: Callable[[Any], bool], word: str) -> Any:
        """The value at ``key`` when present and of the right type; None otherwise (a missing
        required value or a wrong type recorded at ``path``)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(path, "must not be null")
            return None
        if not accepts(value):
            self.add(path, f"must be {word}")
            return None
        return value

    def string(
        self,
        obj: dict,
        key: str,
        path: str | None = None,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        pattern: str | None = None,
        blank_ok: bool = True,
    ) -> str | None:
        path = path or key
        value = self._get(obj, key, path, required, lambda v: isinstance(v, str), "a string")
        if value is None:
            return None
        if not blank_ok and not value.strip():
            self.add(path, "must not be blank")
            return None
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            upper = max_len if max_len is not None else 2147483647
            self.add(path, f"size must be between {min_len} and {upper}")
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(path, f'must match "{pattern}"')
            return None
        return value

    def enum(self, obj: dict, key: str, values, path: str | None = None, required: bool = False) -> str | None:
        return self._get(obj, key, path or key, required, lambda v: v in values, f"one of [{', '.join(values)}]")

    def integer(
        self,
        obj: dict,
        key: str,
        path: str | None = None,
        required: bool = False,
        lo: int | None = None,
        hi: int | None = None,
    ) -> int | None:
        path = path or key
        value = self._get(obj, key, path, required, _is_int, "an integer")
        if value is None:
            return None
        if lo is not None and value < lo:
            self.add(path, f"must be greater than or equal to {lo}")
            return None
        if hi is not None and value > hi:
            self.add(path, f"must be less than or equal to {hi}")
            return None
        return value

    def number(
        self, obj: dict, key: str, path: str | None = None, lo: float | None = None, hi: float | None = None
    ) -> float | None:
        path = path or key
        value = self._get(obj, key, path, False, lambda v: _is_int(v) or isinstance(v, float), "a number")
        if value is None:
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.add(path, f"must be between {lo} and {hi}")
            return None
        return value

    def boolean(self, obj: dict, key: str, path: str | None = None, required: bool = False) -> bool | None:
        return self._get(obj, key, path or key, required, lambda v: isinstance(v, bool), "a boolean")

    def obj(self, obj: dict, key: str, path: str | None = None, required: bool = False) -> dict | None:
        return self._get(obj, key, path or key, required, lambda v: isinstance(v, dict), "an object")

    def array(
        self, obj: dict, key: str, path: str | None = None, required: bool = False, max_items: int | None = None
    ) -> list | None:
        path = path or key
        value = self._get(obj, key, path, required, lambda v: isinstance(v, list), "an array")
        if value is not None and max_items is not None and len(value) > max_items:
            self.add(path, f"size must be between 0 and {max_items}")
            return None
        return value

    def platform(self, obj: dict, key: str = "platform", path: str | None = None, min_len: int = 0) -> dict | None:
        """`{applicationId?, entityId?}` (≤255 each)."""
        path = path or key
        value = self.obj(obj, key, path)
        if value is None:
            return None
        out = {}
        for k in ("applicationId", "entityId"):
            v = self.string(value, k, f"{path}.{k}", min_len=min_len, max_len=255)
            if v is not None:
                out[k] = v
        return out


# -- query parameters and paging ------------------------------------------------------------------------------------
def int_query(req: Request, name: str, default: int, fail: Callable[[str, str], Fail]) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise fail(name, "must be an integer") from None


def query_list(req: Request, name: str) -> list[str]:
    """A repeated query parameter: `name=a&name=b` and `name=a,b` both work."""
    return [v.strip() for value in req.query.get(name, []) for v in value.split(",") if v.strip()]


def legacy_param_error(name: str, message: str) -> Fail:
    return bad_request("Bad request", {name: [message]})


def api_param_error(name: str, message: str) -> Fail:
    return api_error(400, [violation(name, message)])


def page_info(req: Request, items: list, default_size: int, max_size: int, family: str = LEGACY) -> dict:
    """The PageInfo style (§1.5 style 2): `?page` (0-based) `&size` -> {"results", "paging"}. A page or size outside
    the spec's bounds is a 400 (not clamped)."""
    fail = api_param_error if family == API_ERROR else legacy_param_error
    page = int_query(req, "page", 0, fail)
    size = int_query(req, "size", default_size, fail)
    if page < 0:
        raise fail("page", "must be greater than or equal to 0")
    if size < 1 or size > max_size:
        raise fail("size", f"must be between 1 and {max_size}")
    total = len(items)
    return {
        "results": items[page * size : (page + 1) * size],
        "paging": {"page": page, "size": size, "totalPages": math.ceil(total / size), "totalResults": total},
    }
