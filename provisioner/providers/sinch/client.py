"""Sinch HTTP client: one credential, three API hosts (sinch.md §0).

* Provisioning (global, camelCase, PAPI errors ``{errorCode, message, resolution, additionalInformation}``)
* Numbers (global, camelCase, Google-RPC errors ``{"error": {code, message, status, details}}``)
* Conversation (regional ``https://{us|eu|br}.conversation.api.sinch.com``, snake_case, Google-RPC errors)

Auth: OAuth2 client credentials by default — the token is fetched once from ``POST {auth}/oauth2/token``,
shared by the three hosts, refreshed when it expires and on a 401 whose ``WWW-Authenticate`` says
"expired" (the official SDKs' rule). HTTP Basic (``key_id:key_secret``) is the alternative; Sinch
rate-limits it more heavily. Retries (429 always, 5xx for idempotent methods, ≤3, honouring
Retry-After) and rate limits (one budget per project and API, ``RATES``) come from ``ApiHost``.
The token call itself is not counted as an API call: it reads or writes nothing in the project.

Only this module knows transport concerns (auth, pagination, errors); kind modules translate objects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ... import __version__, httpclient
from ...errors import ProviderAPIError, ProviderAuthError, ProviderError
from ...http import MAX_RETRIES, ApiHost, CallCounter, body_excerpt
from ...ratelimit import Account, Rate, account, identity, retry_after
from ...wait import SYSTEM_CLOCK, Clock, retry_pause

AUTH_URL = "https://auth.sinch.com"
NUMBERS_URL = "https://numbers.api.sinch.com"
PROVISIONING_URL = "https://provisioning.api.sinch.com"
CONVERSATION_URL = "https://{region}.conversation.api.sinch.com"
REGIONS = ("us", "eu", "br")
SANDBOX_CREDENTIALS = ("sandbox-project", "sandbox-key", "sandbox-secret")

# Maximum page sizes per list (sinch.md §0 fact 4). Conversation lists are not paginated.
WEBHOOK_PAGE_SIZE = 15
SENDER_PAGE_SIZE = 100
TEMPLATE_PAGE_SIZE = 1000
NUMBER_PAGE_SIZE = 1000  # no documented maximum; Google-style APIs clamp a larger value

# Rate-limit families (provisioner/ratelimit.py), one budget per project, auth scheme and API. Only
# the Conversation API publishes a figure; the others learn theirs from the first 429 (a guess would
# slow every run for a number nobody published). PROVISION_RATE_LIMIT_SINCH overrides, e.g.
# "provisioning=5/s".
RATES: dict[str, Rate | None] = {
    "conversation": Rate.window(800, 1.0),  # research/sinch.md:53 "Conversation API: ~800 req/s per project"
    "provisioning": None,  # research/sinch.md:54 documents only the 429 body, no figure
    "numbers": None,  # research/sinch.md §1.2: no figure (Basic auth "heavily rate-limited", :49, unquantified)
}

_CREDENTIAL_HINT = (
    "check providers.sinch.project_id/key_id/key_secret in the manifest or SINCH_PROJECT_ID/SINCH_KEY_ID/"
    "SINCH_KEY_SECRET (the access key must belong to the project)"
)


class OAuth2(httpclient.Auth):
    """Client-credentials bearer token, cached and shared across threads and hosts."""

    def __init__(
        self, token_url: str, key_id: str, key_secret: str, *, clock: Clock = SYSTEM_CLOCK, timeout: float = 30.0
    ) -> None:
        self.token_url = token_url.rstrip("/") + "/oauth2/token"
        self._basic = httpclient.basic_header(key_id, key_secret)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0  # how many tokens were issued to us (tests read it)
        self._http = httpclient.Client(timeout=timeout, headers={"User-Agent": f"provisioner/{__version__}"})

    def close(self) -> None:
        self._http.close()

    def token(self, stale: str | None = None) -> str:
        """The cached token, or a new one when there is none, it expired, or ``stale`` was rejected."""
        with self._lock:
            fresh = self._token is not None and self._clock.monotonic() < self._expires_at
            if fresh and self._token != stale:
                return self._token  # type: ignore[return-value]
            return self._fetch()

    def _fetch(self) -> str:
        attempt = 0
        while True:
            try:
                r = self._http.post(
                    self.token_url,
                    data={"grant_type": "client_credentials"},
                    headers={"Authorization": self._basic, "Accept": "application/json"},
                )
            except httpclient.TransportError as exc:
                if attempt < MAX_RETRIES:  # asking for a token has no side effect: always safe to repeat
                    retry_pause(attempt, None, self._clock)
                    attempt += 1
                    continue
                raise ProviderAPIError(
                    f"Sinch auth at {self.token_url} did not answer: {type(exc).__name__}; check the auth base URL "
                    "and your network, then re-run",
                    "sinch",
                    method="POST",
                    url="/oauth2/token",
                ) from exc
            if (r.status_code == 429 or r.status_code >= 500) and attempt < MAX_RETRIES:
                retry_pause(attempt, _retry_after(r), self._clock)
                attempt += 1
                continue
            break
        if r.status_code in (400, 401, 403):
            raise ProviderAuthError(
                f"Sinch rejected the access key ({r.status_code}) when asked for an OAuth2 token: "
                f"{_describe(r)}; {_CREDENTIAL_HINT}",
                "sinch",
            )
        body = _json(r)
        token = body.get("access_token")
        if r.status_code != 200 or not isinstance(token, str) or not token:
            raise ProviderAPIError(
                f"Sinch auth answered {r.status_code} without an access token: {_describe(r)}",
                "sinch",
                status=r.status_code,
                method="POST",
                url="/oauth2/token",
            )
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        # Renew a little early so a token never expires between our check and the server's.
        self._expires_at = self._clock.monotonic() + max(0.0, lifetime - min(60.0, lifetime * 0.1))
        self._token = token
        self.fetches += 1
        return token

    def auth_flow(self, request: httpclient.Request):  # type: ignore[no-untyped-def]
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        challenge = response.headers.get("WWW-Authenticate", "")
        if response.status_code == 401 and "expired" in challenge.lower():
            request.headers["Authorization"] = f"Bearer {self.token(stale=token)}"
            yield request


class SinchClient:
    def __init__(
        self,
        project_id: str,
        key_id: str,
        key_secret: str,
        *,
        region: str | None = None,
        auth: str = "oauth",
        auth_url: str = AUTH_URL,
        numbers_url: str = NUMBERS_URL,
        provisioning_url: str = PROVISIONING_URL,
        conversation_url: str | None = None,
        counter: CallCounter | None = None,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = False,
        limits: Account | None = None,
    ) -> None:
        self.project_id = str(project_id)
        self.region = region
        self.counter = counter or CallCounter()
        self.oauth: OAuth2 | None = None
        if auth == "basic":
            auth_impl: httpclient.Auth = httpclient.basic_auth(key_id, key_secret)
        else:
            self.oauth = auth_impl = OAuth2(auth_url, key_id, key_secret, clock=clock)
        self.limits = limits or Account(clock, RATES, provider="sinch")
        common: dict[str, Any] = {
            "auth": auth_impl,
            "counter": self.counter,
            "clock": clock,
            "read_only": read_only,
            "limits": self.limits,
        }
        self.numbers = ApiHost("sinch", numbers_url, family="numbers", **common)
        self.provisioning = ApiHost("sinch", provisioning_url, family="provisioning", **common)
        if conversation_url is None and region:
            conversation_url = CONVERSATION_URL.format(region=region)
        conversation = ApiHost("sinch", conversation_url, family="conversation", **common) if conversation_url else None
        self._conversation = conversation

    def close(self) -> None:
        self.numbers.close()
        self.provisioning.close()
        if self._conversation is not None:
            self._conversation.close()
        if self.oauth is not None:
            self.oauth.close()

    @property
    def conversation(self) -> ApiHost:
        if self._conversation is None:
            raise ProviderError(
                "cannot reach the Sinch Conversation API: its region is not set; set providers.sinch.region "
                "(us, eu or br — the region your apps live in) or SINCH_REGION",
                "sinch",
            )
        return self._conversation

    # ------------------------------------------------------------ paths
    def project_path(self, suffix: str) -> str:
        """``/v1/projects/{projectId}<suffix>`` (same shape on all three hosts)."""
        return f"/v1/projects/{quote(self.project_id, safe='')}{suffix}"

    # ------------------------------------------------------------ calls
    def call(
        self,
        host: ApiHost,
        method: str,
        suffix: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        """One call under the project; a JSON object back, or None for 404 when ``missing_ok``."""
        return self.check(self.send(host, method, suffix, params=params, json=json), what, missing_ok=missing_ok)

    def patch_masked(self, suffix: str, what: str, fields: Sequence[str], body: Mapping[str, Any]) -> dict[str, Any]:
        """Conversation API PATCH: ``update_mask`` names the top-level fields sent, which replace the
        stored ones wholesale (lists included)."""
        wire = self.call(self.conversation, "PATCH", suffix, what, params={"update_mask": ",".join(fields)}, json=body)
        return wire or {}

    def send(
        self, host: ApiHost, method: str, suffix: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> httpclient.Response:
        """The raw response, for callers that read an error body themselves."""
        return host.request(method, self.project_path(suffix), params=params, json=json)

    @staticmethod
    def check(r: httpclient.Response, what: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
        if r.status_code == 404 and missing_ok:
            return None
        if 200 <= r.status_code < 300:
            body = _json(r)
            return body if isinstance(body, dict) else {}
        raise_error(r, what)
        raise AssertionError("unreachable")

    def get(self, host: ApiHost, suffix: str, what: str) -> dict[str, Any] | None:
        """A single object, or None when it does not exist."""
        return self.call(host, "GET", suffix, what, missing_ok=True)

    def walk(
        self, host: ApiHost, suffix: str, items: str, page_size: int, what: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a ``pageToken``/``nextPageToken`` list, at the list's maximum page size."""
        token = ""
        seen: set[str] = set()
        while True:
            query: dict[str, Any] = {**(params or {}), "pageSize": page_size}
            if token:
                query["pageToken"] = token
            body = self.call(host, "GET", suffix, what, params=query) or {}
            yield from body.get(items) or []
            token = body.get("nextPageToken") or ""
            if not token:
                return
            if token in seen:  # a server that loops would otherwise keep us here forever
                raise ProviderAPIError(f"Sinch repeated a page token while trying to {what}", "sinch")
            seen.add(token)

    def items(self, host: ApiHost, suffix: str, items: str, what: str) -> list[dict[str, Any]]:
        """An unpaginated list (Conversation apps, an app's webhooks)."""
        body = self.call(host, "GET", suffix, what) or {}
        return list(body.get(items) or [])


# ---------------------------------------------------------------- errors
def raise_error(r: httpclient.Response, what: str) -> None:
    """Translate any Sinch error body into one clear ProviderError (never echoing credentials)."""
    detail = _describe(r)
    if r.status_code in (401, 403):
        raise ProviderAuthError(
            f"Sinch rejected the credentials ({r.status_code}) while trying to {what}: {detail}; {_CREDENTIAL_HINT}",
            "sinch",
        )
    raise ProviderAPIError(
        f"Sinch answered {r.status_code} to {what}: {detail}",
        "sinch",
        status=r.status_code,
        method=r.request.method,
        url=r.request.url.path,
        detail=detail,
    )


def _describe(r: httpclient.Response) -> str:
    """The human part of a PAPI, Google-RPC or error-registry body."""
    body = _json(r)
    if not isinstance(body, dict) or not body:
        return body_excerpt(r) or r.reason_phrase
    if "errorCode" in body:
        return describe_papi(body)
    if isinstance(body.get("error"), dict):
        return describe_rpc(body["error"])
    title = body.get("detail") or body.get("title") or body.get("message")
    return str(title) if title else body_excerpt(r)


def describe_papi(body: Mapping[str, Any]) -> str:
    """``errorCode: message: validation errors (context); resolution``."""
    text = f"{body.get('errorCode')}: {body.get('message') or ''}".rstrip(": ")
    info = body.get("additionalInformation") or {}
    if isinstance(info, Mapping):
        problems = info.get("validationErrors") or []
        if problems:
            text += ": " + "; ".join(str(p) for p in problems)
        context = {k: v for k, v in info.items() if k != "validationErrors"}
        if context:
            text += " (" + ", ".join(f"{k}: {_short(v)}" for k, v in context.items()) + ")"
    if body.get("resolution"):
        text += f"; {body['resolution']}"
    return text


def describe_rpc(error: Mapping[str, Any]) -> str:
    """``STATUS: message: field violations (resource)``."""
    text = f"{error.get('status') or error.get('code')}: {error.get('message') or ''}".rstrip(": ")
    extras = []
    for d in error.get("details") or []:
        if not isinstance(d, Mapping):
            continue
        for v in d.get("fieldViolations") or []:
            extras.append(f"{v.get('field')}: {v.get('description')}")
        if d.get("resourceName"):
            extras.append(f"{d.get('resourceType') or 'resource'} {d['resourceName']}")
    extras = [e for e in extras if e not in text]  # the message often repeats the first violation
    return text + (": " + "; ".join(extras) if extras else "")


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def error_body(r: httpclient.Response) -> dict[str, Any]:
    body = _json(r)
    return body if isinstance(body, dict) else {}


def _json(r: httpclient.Response) -> Any:
    if not r.content:
        return {}
    try:
        return r.json()
    except ValueError:
        return {}


def _retry_after(r: httpclient.Response) -> float | None:
    return retry_after(r.headers.get("Retry-After"))  # seconds or an HTTP date


# ---------------------------------------------------------------- construction
def connect(
    settings: Mapping[str, Any],
    env: Mapping[str, str],
    endpoints: Mapping[str, str] | None,
    counter: CallCounter,
    clock: Clock,
    read_only: bool = False,
) -> SinchClient:
    """Build a client from the manifest's providers.sinch block, else the conventional environment
    variables; under the sandbox, base URLs point at it and missing credentials (project id too)
    default to sandbox ones (given credentials are still sent)."""
    project = settings.get("project_id") or env.get("SINCH_PROJECT_ID")
    key_id = settings.get("key_id") or env.get("SINCH_KEY_ID")
    key_secret = settings.get("key_secret") or env.get("SINCH_KEY_SECRET")
    region = str(settings.get("region") or env.get("SINCH_REGION") or "").lower() or None
    auth = str(settings.get("auth") or env.get("SINCH_AUTH") or "oauth").lower()
    if auth not in ("oauth", "basic"):
        raise ProviderError(f"cannot configure provider sinch: auth must be oauth or basic, got {auth!r}", "sinch")
    if region is not None and region not in REGIONS:
        raise ProviderError(
            f"cannot configure provider sinch: region must be one of {', '.join(REGIONS)}, got {region!r}", "sinch"
        )
    if endpoints is not None:
        project = project or SANDBOX_CREDENTIALS[0]
        key_id = key_id or SANDBOX_CREDENTIALS[1]
        key_secret = key_secret or SANDBOX_CREDENTIALS[2]
        urls = {
            "auth_url": endpoints["sinch.auth"],
            "numbers_url": endpoints["sinch.numbers"],
            "provisioning_url": endpoints["sinch.provisioning"],
            "conversation_url": endpoints["sinch.conversation"],  # one sandbox host serves every region
        }
        region = region or "us"
    else:
        missing = [
            n
            for n, v in (("SINCH_PROJECT_ID", project), ("SINCH_KEY_ID", key_id), ("SINCH_KEY_SECRET", key_secret))
            if not v
        ]
        if missing:
            raise ProviderError(
                f"cannot configure provider sinch: {', '.join(missing)} not set; set providers.sinch.project_id/"
                "key_id/key_secret in the manifest or export the variables (or run against the sandbox with --sandbox)",
                "sinch",
            )

        def pick(setting: str, variable: str, default: str | None) -> str | None:
            return settings.get(setting) or env.get(variable) or default

        urls = {
            "auth_url": pick("auth_base_url", "SINCH_AUTH_URL", AUTH_URL),
            "numbers_url": pick("numbers_base_url", "SINCH_NUMBERS_URL", NUMBERS_URL),
            "provisioning_url": pick("provisioning_base_url", "SINCH_PROVISIONING_URL", PROVISIONING_URL),
            "conversation_url": pick("conversation_base_url", "SINCH_CONVERSATION_URL", None),
        }
    # Sinch limits are per project (sinch.md:53), and Basic auth is limited apart from OAuth (:49).
    who = identity(str(project), auth, *(urls[k] or "" for k in sorted(urls)))
    return SinchClient(
        str(project),
        str.__str__(key_id),  # type: ignore[arg-type]
        str.__str__(key_secret),  # type: ignore[arg-type]
        region=region,
        auth=auth,
        counter=counter,
        clock=clock,
        read_only=read_only,
        limits=account("sinch", who, RATES, clock=clock, env=env),
        **urls,  # type: ignore[arg-type]
    )
