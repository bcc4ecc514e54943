"""The Sinch client against the sandbox's emulators: OAuth2 token reuse and refresh, error translation,
pagination, and configuration. Real HTTP over loopback; nothing is mocked."""

from __future__ import annotations

import pytest

from provisioner.errors import ProviderAPIError, ProviderAuthError, ProviderError
from provisioner.http import CallCounter
from provisioner.model import Secret
from provisioner.providers.sinch.client import SinchClient, connect
from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.wait import SYSTEM_CLOCK


def client_for(sandbox, **kw) -> SinchClient:
    return connect(kw.pop("settings", {}), {}, sandbox.endpoints, CallCounter(), SYSTEM_CLOCK, **kw)


def test_one_token_serves_every_host_and_many_calls(sandbox):
    client = client_for(sandbox)
    try:
        for _ in range(3):
            client.items(client.conversation, "/apps", "apps", "list apps")
            list(client.walk(client.provisioning, "/webhooks", "webhooks", 15, "list webhooks"))
            list(client.walk(client.numbers, "/activeNumbers", "activeNumbers", 1000, "list numbers"))
    finally:
        client.close()
    assert client.oauth is not None and client.oauth.fetches == 1
    assert len(sandbox.requests("sinch.auth")) == 1
    assert client.counter.reads == 9 and client.counter.writes == 0  # the token call is not an API call


def test_an_expired_token_is_refreshed_once_on_the_401_that_says_so(sandbox):
    client = client_for(sandbox)
    try:
        client.items(client.conversation, "/apps", "apps", "list apps")
        # an hour passes at Sinch (its clock, not ours): the cached token is rejected as expired
        sandbox.admin_call("POST", "/_sandbox/clock", json={"advance_seconds": 3700})
        assert client.items(client.conversation, "/apps", "apps", "list apps") == []
    finally:
        client.close()
    assert client.oauth.fetches == 2
    statuses = [r["status"] for r in sandbox.requests("sinch.conversation")]
    assert statuses == [200, 401, 200]


def test_basic_auth_never_asks_for_a_token(sandbox):
    client = client_for(sandbox, settings={"auth": "basic"})
    try:
        client.items(client.conversation, "/apps", "apps", "list apps")
    finally:
        client.close()
    assert client.oauth is None and sandbox.requests("sinch.auth") == []


def test_rejected_credentials_name_the_settings_and_never_the_secret(tmp_path):
    server = SandboxServer(SandboxConfig(credentials={"sinch": {"key_id": "right", "key_secret": "right-secret"}}))
    server.start()
    secret = "wrong-secret-5e1d"
    try:
        for auth in ("oauth", "basic"):
            client = connect(
                {"key_id": "right", "key_secret": Secret(secret), "auth": auth},
                {},
                dict(server.endpoints),
                CallCounter(),
                SYSTEM_CLOCK,
            )
            with pytest.raises(ProviderAuthError) as caught:
                list(client.walk(client.provisioning, "/webhooks", "webhooks", 15, "list webhooks"))
            client.close()
            assert "SINCH_KEY_SECRET" in str(caught.value) and secret not in str(caught.value)
    finally:
        server.stop()


def test_papi_errors_carry_validation_errors_and_resolution(sandbox):
    client = client_for(sandbox)
    try:
        with pytest.raises(ProviderAPIError) as caught:
            client.call(
                client.provisioning,
                "POST",
                "/webhooks",
                "create a webhook",
                json={"target": "not a url", "secret": "s", "triggers": ["ALL", "BUNDLE_DONE"]},
            )
    finally:
        client.close()
    message = str(caught.value)
    assert caught.value.status == 400
    assert "Sinch answered 400 to create a webhook: invalid_input" in message
    assert "target must be a URL address" in message  # a validationErrors entry
    assert "Correct the validation errors" in message  # the resolution


def test_google_rpc_errors_carry_field_violations_and_resources(sandbox):
    client = client_for(sandbox)
    try:
        app = client.call(
            client.conversation,
            "POST",
            "/apps",
            "create an app",
            json={
                "display_name": "A",
                "channel_credentials": [{"channel": "SMS", "static_bearer": {"claimed_identity": "p", "token": "t"}}],
            },
        )
        with pytest.raises(ProviderAPIError) as caught:
            client.call(
                client.conversation,
                "POST",
                "/webhooks",
                "create a webhook",
                json={"app_id": app["id"], "target": "https://h.example.com", "triggers": ["NOPE"]},
            )
        with pytest.raises(ProviderAPIError) as missing:
            client.call(client.numbers, "POST", "/availableNumbers/+12015559999999:rent", "rent", json={})
    finally:
        client.close()
    assert "INVALID_ARGUMENT" in str(caught.value) and "triggers" in str(caught.value)
    assert missing.value.status == 404
    assert "NOT_FOUND" in str(missing.value) and "AvailableNumber +12015559999999" in str(missing.value)  # ResourceInfo


def test_walk_follows_page_tokens_to_the_end(sandbox):
    client = client_for(sandbox)
    try:
        for i in range(7):
            client.call(
                client.provisioning,
                "POST",
                "/webhooks",
                "create",
                json={"target": f"https://h{i}.example.com", "secret": "s", "triggers": ["ALL"]},
            )
        sandbox.clear_log()
        targets = [w["target"] for w in client.walk(client.provisioning, "/webhooks", "webhooks", 3, "list")]
    finally:
        client.close()
    assert sorted(targets) == sorted(f"https://h{i}.example.com" for i in range(7))
    pages = [r for r in sandbox.requests("sinch.provisioning") if r["method"] == "GET"]
    assert len(pages) == 3
    assert "pageToken" not in pages[0]["query"] and all("pageToken" in p["query"] for p in pages[1:])


@pytest.mark.parametrize(
    "settings, env, fragment",
    [
        pytest.param(
            {},
            {"SINCH_KEY_ID": "k"},
            "SINCH_PROJECT_ID, SINCH_KEY_SECRET not set",
            id="outside the sandbox every credential is required, and named",
        ),
        pytest.param(
            {"project_id": "p", "key_id": "k", "key_secret": "s", "region": "ap"},
            {},
            "region must be one of us, eu, br",
            id="an unknown region",
        ),
        pytest.param(
            {"project_id": "p", "key_id": "k", "key_secret": "s", "auth": "jwt"},
            {},
            "auth must be oauth or basic",
            id="an unknown auth scheme",
        ),
    ],
)
def test_configuration_errors(settings, env, fragment):
    with pytest.raises(ProviderError, match=fragment):
        connect(settings, env, None, CallCounter(), SYSTEM_CLOCK)


def test_configuration_from_environment_and_regional_host():
    client = connect(
        {},
        {"SINCH_PROJECT_ID": "p1", "SINCH_KEY_ID": "k", "SINCH_KEY_SECRET": "s", "SINCH_REGION": "EU"},
        None,
        CallCounter(),
        SYSTEM_CLOCK,
    )
    try:
        assert client.project_id == "p1"
        assert client.conversation.base_url == "https://eu.conversation.api.sinch.com"
        assert client.provisioning.base_url == "https://provisioning.api.sinch.com"
    finally:
        client.close()
    no_region = connect({"project_id": "p", "key_id": "k", "key_secret": "s"}, {}, None, CallCounter(), SYSTEM_CLOCK)
    with pytest.raises(ProviderError, match="region is not set"):
        _ = no_region.conversation
    no_region.close()


def test_throttling_and_transient_failures_are_retried_within_bounds(sandbox):
    client = client_for(sandbox)
    try:
        client.items(client.conversation, "/apps", "apps", "warm up the token")
        sandbox.admin_call(
            "POST", "/_sandbox/faults", json={"api": "sinch.provisioning", "status": 429, "retry_after": 0, "count": 2}
        )
        assert list(client.walk(client.provisioning, "/webhooks", "webhooks", 15, "list webhooks")) == []
        sandbox.admin_call("POST", "/_sandbox/faults", json={"api": "sinch.provisioning", "status": 503, "count": 5})
        with pytest.raises(ProviderAPIError) as caught:
            list(client.walk(client.provisioning, "/webhooks", "webhooks", 15, "list webhooks"))
    finally:
        client.close()
    assert client.counter.retries == 2 + 3  # two 429s absorbed; then 3 retries of the 503 and no more
    assert caught.value.status == 503 and "internal_error" in str(caught.value)
    statuses = [r["status"] for r in sandbox.requests("sinch.provisioning")]
    assert statuses == [429, 429, 200, 503, 503, 503, 503]
