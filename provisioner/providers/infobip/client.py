"""Infobip HTTP client: one personal base URL per account, every API under it (infobip.md §0-§1).

* Auth: ``Authorization: App <api key>`` (recommended); ``Basic`` (username:password) and
  ``Bearer`` (an OAuth2 token from ``POST /auth/1/oauth2/token`` with client credentials, cached and
  renewed before it expires; or a given token) are the alternatives.
* Errors come in two shapes — legacy ``{"requestError":{"serviceException":{messageId, text,
  validationErrors}}}`` and the newer ``ApiError`` ``{errorCode, description, action, violations}`` —
  and some 404s have no body at all. All become one ProviderError naming the operation.
* Pagination, three styles: Numbers ``limit``/``page`` + ``numberCount``; "PageInfo" ``page``/``size``
  + ``paging.totalPages``; unpaged arrays. Each list is walked at its maximum page size.
* Rate limits are per operation (the specs' ``x-throttling-info``): ``RATES`` seeds one bucket per
  operation of the account in the common limiter (``provisioner/ratelimit.py``), which spaces our calls
  under them and adapts on 429s; it waits only through the injected clock. A 429 is retried by
  ``ApiHost`` (Infobip documents no Retry-After: backoff), 5xx for idempotent methods only.

Only this module knows transport concerns; kind modules translate objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ... import __version__, httpclient
from ...errors import ProviderAPIError, ProviderAuthError, ProviderError
from ...http import ApiHost, CallCounter, body_excerpt
from ...ratelimit import Account, Rate, account, identity
from ...wait import SYSTEM_CLOCK, Clock

DEFAULT_BASE_URL = "https://api.infobip.com"
SANDBOX_API_KEY = "sandbox-infobip-key"
AUTH_SCHEMES = ("app", "basic", "bearer")

# Maximum page sizes (infobip.md §1.5; the specs' ``maximum`` on ``size``).
PROVISIONING_PAGE_SIZE = 1000  # /provisioning/1/applications, /entities
CALLS_PAGE_SIZE = 100  # /calls/1/configurations
SUBSCRIPTIONS_PAGE_SIZE = 100  # /subscriptions/1/*
RCS_PAGE_SIZE = 100  # /rcs/1/senders
NUMBERS_PAGE_SIZE = 1000  # /numbers/1/numbers: no documented maximum; numberCount says when to stop

_CREDENTIAL_HINT = (
    "check providers.infobip in the manifest or INFOBIP_API_KEY (an API key with the scopes this "
    "resource needs) and INFOBIP_BASE_URL (your account's personal base URL, e.g. https://xyz12.api.infobip.com)"
)


# ---------------------------------------------------------------- rate limits
_S, _M, _H = 1.0, 60.0, 3600.0
# operationId → limit, transcribed from ``x-throttling-info`` of the specs in shared/specs/infobip
# (v3.210.0), as tabled in research/infobip.md §1.4 (lines 139-175). ``numberOfTimeUnits: 0`` means
# one unit. Operations without one (2FA message templates, Subscriptions, Number Masking: "not
# published") get no static limit and learn one from a 429. PROVISION_RATE_LIMIT_INFOBIP overrides.
RATES: dict[str, Rate] = {
    # numbers (infobip.md:143-148)
    "get-available-numbers": Rate.bucket(2, 1),
    "list-owned-numbers": Rate.bucket(2, 1),
    "purchase-number": Rate.window(1, _S),
    "get-single-owned-number": Rate.window(10, _S),
    "update-owned-number": Rate.window(1, _S),
    "cancel-number": Rate.window(1, _S),
    # resources: inbound message configurations (infobip.md:151-153)
    "get-inbound-configurations": Rate.window(2, _S),
    "manage-inbound-configuration": Rate.bucket(10, 2),
    "delete-inbound-configuration": Rate.window(1, _S),
    # CPaaS X applications and entities: "all /provisioning/1/*, 1/1s each" (infobip.md:156)
    **{
        op: Rate.window(1, _S)
        for op in (
            "get-applications",
            "create-application",
            "get-application",
            "modify-application",
            "delete-application",
            "get-entities",
            "create-entity",
            "get-entity",
            "modify-entity",
            "delete-entity",
        )
    },
    # 2FA (infobip.md:157-160)
    "get-2fa-applications": Rate.window(50, 10 * _M),
    "create-2fa-application": Rate.window(20, 10 * _M),
    "get-2fa-application": Rate.window(100, 10 * _M),
    "update-2fa-application": Rate.window(40, 10 * _M),
    # WhatsApp templates (infobip.md:163-166)
    "get-whatsapp-templates": Rate.window(2500, _S),
    "get-whatsapp-template": Rate.window(2500, _S),
    "create-whatsapp-template": Rate.window(1000, _H),
    "edit-whatsapp-template": Rate.window(100, _H),
    "delete-whatsapp-template": Rate.window(200, _H),
    # calls configurations (infobip.md:169-170)
    "get-calls-configurations": Rate.window(100, _S),
    "create-calls-configuration": Rate.window(100, _M),
    "get-calls-configuration": Rate.window(100, _S),
    "update-calls-configuration": Rate.window(100, _S),
    "delete-calls-configuration": Rate.window(100, _S),
    # RCS senders (infobip.md:172-173)
    "get-rcs-senders": Rate.window(10, _S),
    "get-rcs-sender": Rate.window(10, _S),
    "create-rcs-sender": Rate.window(1, _S),
    "update-rcs-sender": Rate.window(1, _S),
    "update-rcs-sender-platform-parameters": Rate.window(1, _S),
}


Throttle = Account  # the per-operation throttle this client had, now the common limiter's account


# ---------------------------------------------------------------- auth
HeaderAuth = httpclient.HeaderAuth  # App <key> / Basic ... / Bearer <token>


class OAuth2(httpclient.Auth):
    """Client-credentials bearer token from ``POST /auth/1/oauth2/token`` (form-encoded), cached and
    renewed shortly before ``expires_in`` runs out, and once on a 401."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, clock: Clock) -> None:
        self._url = base_url.rstrip("/") + "/auth/1/oauth2/token"
        self._form = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.fetches = 0
        self._http = httpclient.Client(timeout=30.0, headers={"User-Agent": f"provisioner/{__version__}"})

    def close(self) -> None:
        self._http.close()

    def token(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token and self._token != stale and self._clock.monotonic() < self._expires:
                return self._token
            try:
                r = self._http.post(self._url, data=self._form, headers={"Accept": "application/json"})
            except httpclient.TransportError as exc:
                raise ProviderAPIError(
                    f"Infobip did not answer the OAuth2 token request at {self._url}: {type(exc).__name__}; "
                    "check the base URL and your network",
                    "infobip",
                ) from exc
            body = _json(r)
            token = body.get("access_token") if isinstance(body, dict) else None
            if r.status_code != 200 or not isinstance(token, str) or not token:
                raise ProviderAuthError(
                    f"Infobip refused an OAuth2 token ({r.status_code}): {describe(r)}; check "
                    "providers.infobip.client_id/client_secret",
                    "infobip",
                )
            try:
                lifetime = float(body.get("expires_in", 3600))
            except (TypeError, ValueError):
                lifetime = 3600.0
            self._token, self._expires = token, self._clock.monotonic() + max(0.0, lifetime - min(60.0, lifetime / 10))
            self.fetches += 1
            return token

    def auth_flow(self, request: httpclient.Request):  # type: ignore[no-untyped-def]
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(stale=token)}"
            yield request


# ---------------------------------------------------------------- the client
class InfobipClient:
    def __init__(
        self,
        base_url: str,
        auth: httpclient.Auth,
        *,
        counter: CallCounter | None = None,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = False,
        limits: Account | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.counter = counter or CallCounter()
        self._auth = auth
        # One bucket per operation, shared by every client of the account in this process.
        self.limits = limits or Account(clock, RATES, provider="infobip")
        common: dict[str, Any] = {"counter": self.counter, "clock": clock, "read_only": read_only}
        self.api = ApiHost("infobip", self.base_url, auth=auth, limits=self.limits, **common)
        # WhatsApp template names deleted by this run: a DELETE removes every language of the name,
        # so the other languages' deletes have nothing left to do.
        self.deleted_template_names: set[tuple[str, str]] = set()

    def close(self) -> None:
        self.api.close()
        if isinstance(self._auth, OAuth2):
            self._auth.close()

    # ------------------------------------------------------------ calls
    def send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpclient.Response:
        """The raw response of one call (within the operation's rate limit), for callers that read
        an error body themselves (409 adoption)."""
        return self.api.request(method, path, params=params, json=json, family=operation)

    def call(
        self,
        method: str,
        path: str,
        operation: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """One call; the decoded body (``{}`` when empty), or None for a 404 when ``missing_ok``."""
        return check(self.send(method, path, operation, params=params, json=json), what, missing_ok=missing_ok)

    def get(self, path: str, operation: str, what: str, params: Mapping[str, Any] | None = None) -> Any:
        """A single object or list; None when it does not exist (404, with or without a body)."""
        return self.call("GET", path, operation, what, params=params, missing_ok=True)

    def create_or_adopt(
        self,
        path: str,
        operation: str,
        what: str,
        body: Any,
        *,
        existing: Callable[[], Any],
        same: Callable[[Any], bool],
        shown: Callable[[Any], str],
    ) -> tuple[Any, bool]:
        """POST an object whose id the client chose. A duplicate (409, or a 400 while the id is
        taken — Infobip does not say which 400 it is) is the same object when ``same`` says so: it is
        adopted (returned with True) instead of failing; a different object under that id is an error.
        ``existing`` reads it (one extra GET, only on an error answer)."""
        r = self.send("POST", path, operation, json=body)
        if r.status_code in (400, 409):
            found = existing()
            if found is not None:
                if same(found):
                    return found, True
                raise ProviderAPIError(
                    f"cannot {what}: the id is already taken by a different object ({shown(found)}); ids are "
                    "unique in the account — choose another id, or change the manifest to match it to adopt it",
                    "infobip",
                    status=r.status_code,
                    method="POST",
                    url=path,
                    detail=describe(r),
                )
        return check(r, what), False

    # ------------------------------------------------------------ pagination
    def pages(
        self, path: str, operation: str, what: str, size: int, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a PageInfo list (``page`` from 0, ``size``; ``paging.totalPages`` says when to stop)."""
        page = 0
        while True:
            body = self.call("GET", path, operation, what, params={**(params or {}), "page": page, "size": size})
            results = (body or {}).get("results") or []
            yield from results
            paging = (body or {}).get("paging") or {}
            total = paging.get("totalPages")
            page += 1
            if not results or (isinstance(total, int) and page >= total) or (total is None and len(results) < size):
                return

    def numbers(
        self, path: str, operation: str, what: str, limit: int, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a Numbers list (``limit``/``page`` from 0; ``numberCount`` is the total)."""
        page, seen = 0, 0
        while True:
            body = self.get(path, operation, what, {**(params or {}), "limit": limit, "page": page}) or {}
            items = body.get("numbers") or []
            yield from items
            seen += len(items)
            total = body.get("numberCount")
            page += 1
            if not items or (isinstance(total, int) and seen >= total) or (total is None and len(items) < limit):
                return


def q(value: Any) -> str:
    """One path segment, percent-encoded (ids are client-chosen; numbers may carry a +)."""
    return quote(str(value), safe="")


# ---------------------------------------------------------------- errors
def check(r: httpclient.Response, what: str, *, missing_ok: bool = False) -> Any:
    if r.status_code == 404 and missing_ok:
        return None
    if 200 <= r.status_code < 300:
        body = _json(r)
        return body if body is not None else {}
    raise_error(r, what)


def raise_error(r: httpclient.Response, what: str) -> None:
    """Translate either Infobip error shape into one clear ProviderError (never echoing credentials)."""
    detail = describe(r)
    if r.status_code in (401, 403):
        why = "rejected the credentials" if r.status_code == 401 else "refused the request (API key scope?)"
        raise ProviderAuthError(
            f"Infobip {why} ({r.status_code}) while trying to {what}: {detail}; {_CREDENTIAL_HINT}", "infobip"
        )
    raise ProviderAPIError(
        f"Infobip answered {r.status_code} to {what}: {detail}",
        "infobip",
        status=r.status_code,
        method=r.request.method,
        url=r.request.url.path,
        detail=detail,
    )


def describe(r: httpclient.Response) -> str:
    body = _json(r)
    if isinstance(body, Mapping):
        text = describe_body(body)
        if text:
            return text
    return body_excerpt(r) or r.reason_phrase or f"HTTP {r.status_code}"


def describe_body(body: Mapping[str, Any]) -> str:
    """The human part of a legacy ``requestError`` or an ``ApiError`` body ("" if neither)."""
    request_error = body.get("requestError")
    if isinstance(request_error, Mapping):
        exc = request_error.get("serviceException") or request_error.get("policyException") or {}
        text = ": ".join(str(x) for x in (exc.get("messageId"), exc.get("text")) if x)
        problems = exc.get("validationErrors") or {}
        if isinstance(problems, Mapping) and problems:
            text += " (" + "; ".join(f"{field}: {_joined(msgs)}" for field, msgs in problems.items()) + ")"
        return text
    if "errorCode" in body:
        text = ": ".join(str(x) for x in (body.get("errorCode"), body.get("description")) if x)
        violations = [
            f"{v.get('property')}: {v.get('violation')}" if v.get("property") else str(v.get("violation"))
            for v in body.get("violations") or []
            if isinstance(v, Mapping)
        ]
        if violations:
            text += " (" + "; ".join(violations) + ")"
        if body.get("action"):
            text += f"; {body['action']}"
        return text
    return ""


def error_code(r: httpclient.Response) -> str:
    """``messageId`` or ``errorCode`` of an error response ("" when the body has neither)."""
    body = _json(r)
    if not isinstance(body, Mapping):
        return ""
    exc = (body.get("requestError") or {}).get("serviceException") or {}
    return str(exc.get("messageId") or body.get("errorCode") or "")


def _joined(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _json(r: httpclient.Response) -> Any:
    if not r.content:
        return None
    try:
        return r.json()
    except ValueError:
        return None


# ---------------------------------------------------------------- construction
def normalize_base_url(value: str) -> str:
    """The portal shows the base URL as a bare hostname; without a scheme the client would build a
    relative URL (and Infobip's own PHP client sent it to the wrong place). Assume https."""
    url = str(value).strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    return url


def connect(
    settings: Mapping[str, Any],
    env: Mapping[str, str],
    endpoints: Mapping[str, str] | None,
    counter: CallCounter,
    clock: Clock,
    read_only: bool = False,
) -> InfobipClient:
    """Build a client from the manifest's providers.infobip block, else INFOBIP_BASE_URL /
    INFOBIP_API_KEY (INFOBIP_AUTH, INFOBIP_USERNAME, INFOBIP_PASSWORD, INFOBIP_CLIENT_ID,
    INFOBIP_CLIENT_SECRET, INFOBIP_TOKEN for the other schemes). Under the sandbox the base URL is
    the sandbox's and a missing API key defaults to a sandbox one (a given one is still sent)."""

    def pick(setting: str, variable: str) -> Any:
        value = settings.get(setting)
        return value if value not in (None, "") else env.get(variable) or None

    scheme = str(pick("auth", "INFOBIP_AUTH") or "app").lower()
    if scheme not in AUTH_SCHEMES:
        raise ProviderError(
            f"cannot configure provider infobip: auth must be one of {', '.join(AUTH_SCHEMES)}, got {scheme!r}",
            "infobip",
        )
    base_url = endpoints["infobip"] if endpoints is not None else pick("base_url", "INFOBIP_BASE_URL")
    if not base_url:
        raise ProviderError(
            "cannot configure provider infobip: no base URL; set providers.infobip.base_url in the manifest or "
            "INFOBIP_BASE_URL (your account's personal base URL, shown in the portal, e.g. xyz12.api.infobip.com) "
            "— or run against the sandbox with --sandbox",
            "infobip",
        )
    auth: httpclient.Auth
    who: tuple[Any, ...]  # what names the account for its shared rate budget (hashed, never kept)
    if scheme == "app":
        key = pick("api_key", "INFOBIP_API_KEY") or (SANDBOX_API_KEY if endpoints is not None else None)
        _require(key, "api_key", "INFOBIP_API_KEY")
        auth = HeaderAuth(f"App {_plain(key)}")
        who = ("app", _plain(key))
    elif scheme == "basic":
        username, password = pick("username", "INFOBIP_USERNAME"), pick("password", "INFOBIP_PASSWORD")
        _require(username, "username", "INFOBIP_USERNAME")
        _require(password, "password", "INFOBIP_PASSWORD")
        auth = httpclient.basic_auth(_plain(username), _plain(password))
        who = ("basic", _plain(username))
    else:
        token = pick("token", "INFOBIP_TOKEN")
        if token:
            auth = HeaderAuth(f"Bearer {_plain(token)}")
            who = ("bearer", _plain(token))
        else:
            client_id, secret = pick("client_id", "INFOBIP_CLIENT_ID"), pick("client_secret", "INFOBIP_CLIENT_SECRET")
            _require(client_id, "client_id (or token)", "INFOBIP_CLIENT_ID")
            _require(secret, "client_secret", "INFOBIP_CLIENT_SECRET")
            auth = OAuth2(normalize_base_url(str(base_url)), _plain(client_id), _plain(secret), clock)
            who = ("oauth", _plain(client_id))
    # Infobip's limits are per account, and the base URL is personal to one account.
    limits = account("infobip", identity(normalize_base_url(str(base_url)), *who), RATES, clock=clock, env=env)
    return InfobipClient(str(base_url), auth, counter=counter, clock=clock, read_only=read_only, limits=limits)


def _require(value: Any, setting: str, variable: str) -> None:
    if not value:
        raise ProviderError(
            f"cannot configure provider infobip: {setting} not set; set providers.infobip.{setting.split(' ')[0]} in "
            f"the manifest or export {variable} (or run against the sandbox with --sandbox)",
            "infobip",
        )


def _plain(value: Any) -> str:
    return str.__str__(value) if isinstance(value, str) else str(value)
