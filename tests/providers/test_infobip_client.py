"""The Infobip client: error translation of both body shapes, per-operation rate limits on an injected
clock, configuration (auth schemes, base URL), and pagination against the sandbox (real HTTP)."""

from __future__ import annotations

import base64

import pytest

from provisioner import httpclient
from provisioner.errors import ProviderAPIError, ProviderAuthError, ProviderError
from provisioner.http import CallCounter
from provisioner.model import Secret
from provisioner.providers.infobip.client import (
    RATES,
    InfobipClient,
    Rate,
    Throttle,
    connect,
    describe_body,
    normalize_base_url,
    raise_error,
)
from provisioner.wait import SYSTEM_CLOCK


class FakeClock:
    """Time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def response(status: int, body: object = None, method: str = "POST") -> httpclient.Response:
    request = httpclient.Request(method, "https://xyz12.api.infobip.com/provisioning/1/applications")
    if body is None:
        return httpclient.Response(status, request=request)
    return httpclient.Response(status, json=body, request=request)


LEGACY = {
    "requestError": {
        "serviceException": {
            "messageId": "BAD_REQUEST",
            "text": "Bad request",
            "validationErrors": {"name": ["Setup name is required."], "callbackUrl": ["must not be blank", "bad"]},
        }
    }
}
API_ERROR = {
    "errorCode": "E400",
    "description": "Request cannot be processed.",
    "action": "Check the syntax, violations and adjust the request.",
    "violations": [{"property": "senderName", "violation": "size must be between 3 and 40"}],
    "resources": [],
}


@pytest.mark.parametrize(
    "body, expected",
    [
        pytest.param(
            LEGACY,
            "BAD_REQUEST: Bad request (name: Setup name is required.; callbackUrl: must not be blank, bad)",
            id="legacy requestError: messageId, text and every validation error by field",
        ),
        pytest.param(
            API_ERROR,
            "E400: Request cannot be processed. (senderName: size must be between 3 and 40); Check the syntax, "
            "violations and adjust the request.",
            id="ApiError: code, description, violations by property, then the action",
        ),
        pytest.param(
            {"requestError": {"serviceException": {"messageId": "NOT_FOUND", "text": "Resource was not found."}}},
            "NOT_FOUND: Resource was not found.",
            id="legacy without validation errors",
        ),
        pytest.param({"unrelated": 1}, "", id="neither shape: nothing to say (the caller falls back to the raw body)"),
    ],
)
def test_both_error_shapes_are_described(body, expected):
    assert describe_body(body) == expected


@pytest.mark.parametrize(
    "status, body, error, words",
    [
        pytest.param(
            400, LEGACY, ProviderAPIError, ["answered 400", "create application acme", "Setup name"], id="400"
        ),
        pytest.param(409, {**API_ERROR, "errorCode": "E409"}, ProviderAPIError, ["answered 409", "E409"], id="409"),
        pytest.param(
            401,
            {"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}}},
            ProviderAuthError,
            ["rejected the credentials (401)", "INFOBIP_API_KEY", "INFOBIP_BASE_URL"],
            id="401 names the settings to check",
        ),
        pytest.param(403, None, ProviderAuthError, ["403", "scope"], id="403 without a body: the scope hint"),
        pytest.param(404, None, ProviderAPIError, ["answered 404", "Not Found"], id="404 without a body"),
    ],
)
def test_errors_become_one_clear_provider_error_naming_the_operation(status, body, error, words):
    with pytest.raises(error) as caught:
        raise_error(response(status, body), "create application acme")
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    if isinstance(caught.value, ProviderAPIError):
        assert caught.value.status == status and caught.value.method == "POST"


def test_a_time_window_never_lets_more_than_n_calls_into_any_t_seconds():
    clock = FakeClock()
    throttle = Throttle(clock, {"op": Rate.window(2, 1.0)})  # "2 per second"
    started = []
    for _ in range(5):
        throttle.acquire("op")
        started.append(clock.now)
    # a token bucket of 2 refilled at 2/s would send at 100, 100, 100.5, 101: three in [100, 101)
    assert started == pytest.approx([100, 100, 101.01, 101.01, 102.02])
    for i in range(len(started) - 2):  # any 3 consecutive calls span more than the window
        assert started[i + 2] - started[i] > 1.0


def test_a_token_bucket_refills_while_idle_and_other_operations_are_independent():
    clock = FakeClock()
    throttle = Throttle(clock, {"purchase": Rate.window(1, 1.0), "list": Rate.bucket(2, 1)})
    assert throttle.acquire("purchase") == 0.0
    assert throttle.acquire("list") == 0.0 and throttle.acquire("list") == 0.0  # burst 2, unaffected by purchase
    assert throttle.acquire("purchase") == pytest.approx(1.01)
    clock.now += 10  # idle: the bucket refills, but never above its capacity
    assert [throttle.acquire("list") for _ in range(3)] == pytest.approx([0.0, 0.0, 1.01])
    assert throttle.acquire("unlimited") == 0.0  # operations without x-throttling-info are not limited


@pytest.mark.parametrize(
    "operation, capacity, per_second",
    [
        pytest.param("get-available-numbers", 2, 1, id="token bucket: burst 2, refill 1/s"),
        pytest.param("purchase-number", 1, 1, id="1 per 1 s (numberOfTimeUnits 0 = one unit)"),
        pytest.param("create-2fa-application", 20, 20 / 600, id="20 per 10 minutes"),
        pytest.param("create-calls-configuration", 100, 100 / 60, id="100 per minute"),
        pytest.param("edit-whatsapp-template", 100, 100 / 3600, id="100 per hour"),
        pytest.param("manage-inbound-configuration", 10, 2, id="token bucket: burst 10, refill 2/s"),
    ],
)
def test_rates_are_transcribed_from_the_specs_throttling_info(operation, capacity, per_second):
    assert RATES[operation].capacity == capacity
    assert RATES[operation].per_second == pytest.approx(per_second)


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param(
            "xyz12.api.infobip.com", "https://xyz12.api.infobip.com", id="bare hostname (as the portal shows)"
        ),
        pytest.param("https://xyz12.api.infobip.com/", "https://xyz12.api.infobip.com", id="trailing slash"),
        pytest.param("http://127.0.0.1:4010", "http://127.0.0.1:4010", id="an explicit scheme is kept"),
        pytest.param("  api.infobip.com ", "https://api.infobip.com", id="whitespace"),
    ],
)
def test_base_url_is_normalised(given, expected):
    assert normalize_base_url(given) == expected


def _header(client: InfobipClient) -> str:
    request = httpclient.Request("GET", client.base_url + "/x")
    flow = client.api._client.auth.auth_flow(request)  # type: ignore[union-attr]
    return next(flow).headers["Authorization"]


@pytest.mark.parametrize(
    "settings, env, header",
    [
        pytest.param({"base_url": "xyz.api.infobip.com", "api_key": "k1"}, {}, "App k1", id="manifest block, App"),
        pytest.param({}, {"INFOBIP_BASE_URL": "h", "INFOBIP_API_KEY": "k2"}, "App k2", id="environment"),
        pytest.param(
            {"base_url": "h", "auth": "basic", "username": "u", "password": "p"},
            {},
            "Basic " + base64.b64encode(b"u:p").decode(),
            id="Basic",
        ),
        pytest.param({"base_url": "h", "auth": "bearer", "token": "t0k"}, {}, "Bearer t0k", id="Bearer, a given token"),
    ],
)
def test_auth_schemes(settings, env, header):
    client = connect(settings, env, None, CallCounter(), SYSTEM_CLOCK)
    try:
        assert _header(client) == header
        assert client.base_url.startswith("https://")
    finally:
        client.close()


@pytest.mark.parametrize(
    "settings, env, words",
    [
        pytest.param({}, {}, ["no base URL", "INFOBIP_BASE_URL", "--sandbox"], id="no base URL"),
        pytest.param({"base_url": "h"}, {}, ["api_key not set", "INFOBIP_API_KEY"], id="no key"),
        pytest.param(
            {"base_url": "h", "auth": "oauth"}, {}, ["auth must be one of app, basic, bearer"], id="bad scheme"
        ),
        pytest.param({"base_url": "h", "auth": "basic", "username": "u"}, {}, ["password not set"], id="basic half"),
    ],
)
def test_configuration_errors_say_what_to_set(settings, env, words):
    with pytest.raises(ProviderError) as caught:
        connect(settings, env, None, CallCounter(), SYSTEM_CLOCK)
    for word in words:
        assert word in str(caught.value)


def test_under_the_sandbox_a_missing_key_defaults_and_a_given_one_is_still_sent(sandbox):
    for settings, key in (({}, "sandbox-infobip-key"), ({"api_key": Secret("mine-1")}, "mine-1")):
        client = connect(settings, {}, sandbox.endpoints, CallCounter(), SYSTEM_CLOCK)
        try:
            assert client.base_url == sandbox.endpoints["infobip"]
            assert _header(client) == f"App {key}"
            assert client.get("/2fa/2/applications", "get-2fa-applications", "list 2FA applications") == []
        finally:
            client.close()


def test_pagewise_lists_are_walked_to_the_end_at_the_requested_size(sandbox):
    client = connect({}, {}, sandbox.endpoints, CallCounter(), SYSTEM_CLOCK)
    try:
        for i in range(5):
            client.call("POST", "/calls/1/configurations", "create-calls-configuration", "create", json={"id": f"c{i}"})
        sandbox.clear_log()
        walked = list(client.pages("/calls/1/configurations", "get-calls-configurations", "list", 2))
    finally:
        client.close()
    assert sorted(w["id"] for w in walked) == [f"c{i}" for i in range(5)]
    pages = [(r["query"].get("page"), r["query"].get("size")) for r in sandbox.requests("infobip")]
    assert pages == [("0", "2"), ("1", "2"), ("2", "2")]  # totalPages says when to stop: no empty 4th page


def test_the_sandboxs_real_error_bodies_are_translated(sandbox):
    client = connect({}, {}, sandbox.endpoints, CallCounter(), SYSTEM_CLOCK)
    try:
        with pytest.raises(ProviderAPIError) as caught:
            client.call(
                "POST", "/voice/masking/2/config", "create-number-masking-configuration", "create masking x", json={}
            )
    finally:
        client.close()
    assert caught.value.status == 400
    assert "create masking x" in str(caught.value) and "BAD_REQUEST" in str(caught.value)


def test_bearer_fetches_one_oauth2_token_and_reuses_it(sandbox):
    client = connect(
        {"auth": "bearer", "client_id": "cid", "client_secret": Secret("csecret-3f1")},
        {},
        sandbox.endpoints,
        CallCounter(),
        SYSTEM_CLOCK,
    )
    try:
        for _ in range(3):
            assert client.get("/2fa/2/applications", "get-2fa-applications", "list 2FA applications") == []
        auth = client.api._client.auth  # type: ignore[attr-defined]
        assert auth.fetches == 1  # one token, three calls
    finally:
        client.close()
    assert client.counter.reads == 3  # the token request is not an API call of the account
    token_calls = [r for r in sandbox.requests("infobip") if r["path"] == "/auth/1/oauth2/token"]
    assert len(token_calls) == 1 and token_calls[0]["status"] == 200


def test_basic_auth_reaches_the_account(sandbox):
    client = connect(
        {"auth": "basic", "username": "u1", "password": "p1"}, {}, sandbox.endpoints, CallCounter(), SYSTEM_CLOCK
    )
    try:
        listed = client.get("/calls/1/configurations", "get-calls-configurations", "list calls configurations")
    finally:
        client.close()
    assert listed["results"] == []
    assert [r["status"] for r in sandbox.requests("infobip")] == [200]
