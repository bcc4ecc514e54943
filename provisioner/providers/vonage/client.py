"""Vonage HTTP client: Application API v2 (api.nexmo.com, JSON, RFC 7807 errors, HAL pages) and
the Numbers API (rest.nexmo.com, form bodies, ``error-code`` bodies with HTTP 200/401/420).

Only this module knows Vonage's wire format for transport concerns (auth, pagination, errors);
the kind modules translate objects to and from manifest shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ... import httpclient
from ...errors import ProviderAPIError, ProviderAuthError, ProviderError
from ...http import ApiHost, CallCounter, body_excerpt
from ...model import Secret
from ...ratelimit import Account, Rate, account, identity
from ...wait import SYSTEM_CLOCK, Clock

API_URL = "https://api.nexmo.com"
REST_URL = "https://rest.nexmo.com"
APP_PAGE_SIZE = 100  # documented maximum for /v2/applications
NUMBER_PAGE_SIZE = 100  # documented maximum for /account/numbers (default is only 10)
SANDBOX_CREDENTIALS = ("sandbox-key", "sandbox-secret")

# Rate-limit families (provisioner/ratelimit.py), one budget per API key. Vonage publishes no figure
# for either API we call, so neither gets a static limit: a guess would slow every run for a number
# nobody published, and the first 429 teaches the real one (its observed capacity, then AIMD).
# PROVISION_RATE_LIMIT_VONAGE sets one, e.g. "numbers=1/s" or "applications=5/s,numbers=1/s".
RATES: dict[str, Rate | None] = {
    "applications": None,  # research/vonage.md:428 "Application API | no published figure [unknown]"
    "numbers": None,  # research/vonage.md:421 Numbers API: article exists, figure unread [unknown]; 429s seen
}

# What a Numbers API 420 usually means: Vonage gives no reason ("method failed").
_420_HINT = (
    "Vonage answered 420 'method failed': the number may be unavailable or already owned, the country "
    "may need an address or documents (buy it from the dashboard), or the account may lack credit"
)


class VonageClient:
    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        api_url: str = API_URL,
        rest_url: str = REST_URL,
        counter: CallCounter | None = None,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = False,
        limits: Account | None = None,
    ) -> None:
        self.counter = counter or CallCounter()
        auth = httpclient.basic_auth(api_key, api_secret)
        self.limits = limits or Account(clock, RATES, provider="vonage")
        common: dict[str, Any] = {
            "auth": auth,
            "counter": self.counter,
            "clock": clock,
            "read_only": read_only,
            "limits": self.limits,
        }
        self.api = ApiHost("vonage", api_url, family="applications", **common)
        self.rest = ApiHost("vonage", rest_url, family="numbers", **common)

    def close(self) -> None:
        self.api.close()
        self.rest.close()

    # ------------------------------------------------------------ applications
    def list_applications(self) -> Iterator[dict[str, Any]]:
        """Every application: one walk at the maximum page size, following total_pages."""
        page = 1
        while True:
            r = self.api.request("GET", "/v2/applications", params={"page_size": APP_PAGE_SIZE, "page": page})
            body = self._json_or_raise(r, "list applications")
            yield from body.get("_embedded", {}).get("applications", [])
            total_pages = int(body.get("total_pages") or 0)
            if page >= total_pages:
                return
            page += 1

    def create_application(self, body: Mapping[str, Any]) -> dict[str, Any]:
        r = self.api.request("POST", "/v2/applications", json=body)
        return self._json_or_raise(r, "create application", expect=(201, 200))

    def update_application(self, app_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        r = self.api.request("PUT", f"/v2/applications/{app_id}", json=body)
        return self._json_or_raise(r, f"update application {app_id}")

    def delete_application(self, app_id: str) -> None:
        r = self.api.request("DELETE", f"/v2/applications/{app_id}")
        if r.status_code == 404:  # already gone: the goal is reached
            return
        if r.status_code not in (200, 204):
            self._raise_problem(r, f"delete application {app_id}")

    # ------------------------------------------------------------ numbers
    def list_numbers(self) -> Iterator[dict[str, Any]]:
        """Every owned number. ``index`` is a 1-based page; past the end Vonage answers ``{}``."""
        index = 1
        seen = 0
        while True:
            r = self.rest.request("GET", "/account/numbers", params={"size": NUMBER_PAGE_SIZE, "index": index})
            body = self._rest_json(r, "list numbers")
            numbers = body.get("numbers") or []
            yield from numbers
            seen += len(numbers)
            if not numbers or seen >= int(body.get("count") or 0):
                return
            index += 1

    def buy_number(self, country: str, msisdn: str) -> None:
        self._rest_post("/number/buy", {"country": country, "msisdn": msisdn}, f"buy number {msisdn}")

    def cancel_number(self, country: str, msisdn: str) -> None:
        self._rest_post("/number/cancel", {"country": country, "msisdn": msisdn}, f"cancel number {msisdn}")

    def update_number(self, country: str, msisdn: str, fields: Mapping[str, str]) -> None:
        form = {"country": country, "msisdn": msisdn, **fields}
        self._rest_post("/number/update", form, f"update number {msisdn}")

    # ------------------------------------------------------------ errors
    def _json_or_raise(self, r: httpclient.Response, what: str, expect: tuple[int, ...] = (200,)) -> dict[str, Any]:
        if r.status_code in expect:
            return r.json() if r.content else {}
        self._raise_problem(r, what)
        raise AssertionError("unreachable")

    def _raise_problem(self, r: httpclient.Response, what: str) -> None:
        """Translate an RFC 7807 problem (api.nexmo.com) into one clear error."""
        body = _error_body(r)
        detail = body.get("detail") or body.get("title") or body_excerpt(r)
        params = body.get("invalid_parameters") or []
        if params:
            detail += ": " + "; ".join(f"{p.get('name')} {p.get('reason')}" for p in params)
        if r.status_code in (401, 403):
            raise ProviderAuthError(
                f"Vonage rejected the credentials ({r.status_code}) while trying to {what}: {detail}; "
                "check providers.vonage.api_key/api_secret or VONAGE_API_KEY/VONAGE_API_SECRET",
                "vonage",
            )
        raise ProviderAPIError(
            f"Vonage answered {r.status_code} to {what}: {detail}",
            "vonage",
            status=r.status_code,
            method=r.request.method,
            url=r.request.url.path,
            detail=detail,
        )

    def _rest_json(self, r: httpclient.Response, what: str) -> dict[str, Any]:
        if r.status_code == 200:
            body = r.json() if r.content else {}
            code = str(body.get("error-code", "200")) if isinstance(body, dict) else "200"
            if code == "200":
                return body if isinstance(body, dict) else {}
        self._raise_rest(r, what)
        raise AssertionError("unreachable")

    def _rest_post(self, path: str, form: Mapping[str, str], what: str) -> None:
        r = self.rest.request("POST", path, data=form)
        self._rest_json(r, what)

    def _raise_rest(self, r: httpclient.Response, what: str) -> None:
        body = _error_body(r)
        code = str(body.get("error-code", r.status_code))
        label = body.get("error-code-label") or ""
        if r.status_code == 401 or code == "401":
            raise ProviderAuthError(
                f"Vonage rejected the credentials while trying to {what}; "
                "check providers.vonage.api_key/api_secret or VONAGE_API_KEY/VONAGE_API_SECRET",
                "vonage",
            )
        if code == "420" or r.status_code == 420:
            detail = _420_HINT if label in ("", "method failed") else f"Vonage answered 420: {label}"
        elif r.status_code == 400 and body and "error-code" not in body:
            # Missing fields come back as {"country": "Is required."}
            detail = "Vonage rejected the request: " + "; ".join(f"{k} {v}" for k, v in body.items())
        else:
            detail = f"Vonage answered {r.status_code} ({code} {label})".strip()
        raise ProviderAPIError(
            f"{detail} (while trying to {what})",
            "vonage",
            status=r.status_code,
            method=r.request.method,
            url=r.request.url.path,
            detail=label,
        )


def _error_body(r: httpclient.Response) -> dict[str, Any]:
    """An error response's JSON object, or {} when it has none (proxies answer HTML)."""
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def connect(
    settings: Mapping[str, Any],
    env: Mapping[str, str],
    endpoints: Mapping[str, str] | None,
    counter: CallCounter,
    clock: Clock,
    read_only: bool = False,
) -> VonageClient:
    """Build a client from the manifest's providers.vonage block, else the conventional
    environment variables; under the sandbox, base URLs point at it and missing credentials
    default to sandbox ones (given credentials are still sent)."""
    key = settings.get("api_key") or env.get("VONAGE_API_KEY")
    secret = settings.get("api_secret") or env.get("VONAGE_API_SECRET")
    if endpoints is not None:
        key = key or SANDBOX_CREDENTIALS[0]
        secret = secret or Secret(SANDBOX_CREDENTIALS[1])
        api_url, rest_url = endpoints["vonage.api"], endpoints["vonage.rest"]
    else:
        missing = [n for n, v in (("VONAGE_API_KEY", key), ("VONAGE_API_SECRET", secret)) if not v]
        if missing:
            raise ProviderError(
                f"cannot configure provider vonage: {' and '.join(missing)} not set; set "
                "providers.vonage.api_key/api_secret in the manifest or export the variables "
                "(or run against the sandbox with --sandbox)",
                "vonage",
            )
        api_url = settings.get("base_url") or env.get("VONAGE_API_URL") or API_URL
        rest_url = settings.get("rest_base_url") or env.get("VONAGE_REST_URL") or REST_URL
    # Vonage limits are per API key ("30 requests/s per API key", vonage.md:422); the hosts keep a
    # sandbox's budget apart from the real account's.
    limits = account("vonage", identity(api_url, rest_url, str(key)), RATES, clock=clock, env=env)
    return VonageClient(
        str(key),
        str(secret),
        api_url=api_url,
        rest_url=rest_url,
        counter=counter,
        clock=clock,
        read_only=read_only,
        limits=limits,
    )
