"""Conformance with the official `sinch` Python SDK (2.3.0) as an independent client, aimed at the sandbox the way
sinch.md §7 shows: OAuth token, Numbers rent/list/get/update/release, Conversation apps CRUD, token refresh on an
expired-token 401."""

from __future__ import annotations

import pytest

sinch_sdk = pytest.importorskip("sinch")

PROJECT = "sdk-project"


@pytest.fixture
def client(sb):
    c = sinch_sdk.SinchClient(project_id=PROJECT, key_id="key", key_secret="secret", conversation_region="us")
    c.configuration.auth_origin = sb.server.endpoints["sinch.auth"]
    c.configuration.numbers_origin = sb.server.endpoints["sinch.numbers"]
    c.configuration.conversation_domain = sb.server.endpoints["sinch.conversation"]  # no "{}": used for any region
    return c


def test_sdk_numbers_lifecycle(sb, client):
    found = list(client.numbers.search_for_available_numbers(region_code="US", number_type="LOCAL").iterator())
    assert found and found[0].phone_number == "+12015550000" and found[0].type == "LOCAL"
    phone = found[1].phone_number
    assert client.numbers.check_availability(phone_number=phone).phone_number == phone
    rented = client.numbers.rent(phone_number=phone, sms_configuration={"service_plan_id": "plan-sdk"})
    assert rented.phone_number == phone and rented.project_id == PROJECT
    assert rented.sms_configuration.scheduled_provisioning.status == "WAITING"
    assert rented.sms_configuration.scheduled_provisioning.service_plan_id == "plan-sdk"
    listed = client.numbers.list(region_code="US", number_type="LOCAL", capabilities=["SMS"])
    assert [n.phone_number for n in listed.iterator()] == [phone] and listed.has_next_page is False
    got = client.numbers.get(phone_number=phone)
    assert got.phone_number == phone and got.expire_at is None
    updated = client.numbers.update(phone_number=phone, display_name="from the SDK")
    assert updated.display_name == "from the SDK"
    sb.admin.post("/_sandbox/clock", json={"advance_seconds": 3})
    assert client.numbers.get(phone_number=phone).sms_configuration.service_plan_id == "plan-sdk"
    released = client.numbers.release(phone_number=phone)
    assert released.expire_at is not None
    with pytest.raises(sinch_sdk.domains.numbers.api.v1.exceptions.NumberNotFoundException):
        client.numbers.get(phone_number="+12015559999")
    # What went over the wire: a token request, then the raw `+` and `:verb` paths.
    assert [e["path"] for e in sb.log("sinch.auth")] == ["/oauth2/token"]
    paths = [e["path"] for e in sb.log("sinch.numbers")]
    assert f"/v1/projects/{PROJECT}/availableNumbers/{phone}:rent" in paths
    assert f"/v1/projects/{PROJECT}/activeNumbers/{phone}:release" in paths


def test_sdk_rent_outside_us_local_is_refused(client):
    with pytest.raises(sinch_sdk.domains.numbers.api.v1.exceptions.NumbersException) as exc:
        client.numbers.rent(phone_number="+447700900001")
    assert "INVALID_ARGUMENT" in str(exc.value)
    rented = client.numbers.rent_any(region_code="US", number_type="LOCAL", capabilities=["SMS", "VOICE"])
    assert rented.phone_number.startswith("+1201555")


def test_sdk_conversation_apps(sb, client):
    apps = client.conversation.apps
    created = apps.create(
        channel_credentials={"SMS": {"claimed_identity": "plan", "token": "tok"}}, display_name="SDK app"
    )
    assert created.display_name == "SDK app" and created.id
    assert created.channel_credentials.sms.state.status == "PENDING"
    assert created.processing_mode == "CONVERSATION" and created.retention_policy.ttl_days == 180
    assert [a.id for a in apps.list().iterator()] == [created.id]
    sb.admin.post("/_sandbox/clock", json={"advance_seconds": 2})
    fetched = apps.get(app_id=created.id)
    assert fetched.channel_credentials.sms.state.status == "ACTIVE"
    updated = apps.update(app_id=created.id, display_name="Renamed", channel_credentials={"TELEGRAM": {"token": "tg"}})
    assert updated.display_name == "Renamed"
    assert updated.channel_credentials.sms is None and updated.channel_credentials.telegram.token == "tg"
    update_call = [e for e in sb.log("sinch.conversation") if e["method"] == "PATCH"][0]
    assert set(update_call["query"]["update_mask"].split(",")) == {"display_name", "channel_credentials"}
    apps.delete(app_id=created.id)
    assert list(apps.list().iterator()) == []
    with pytest.raises(sinch_sdk.domains.conversation.api.v1.exceptions.ConversationException):
        apps.get(app_id=created.id)


def test_sdk_refreshes_an_expired_token(sb, client):
    assert list(client.numbers.list().iterator()) == []
    sb.admin.post("/_sandbox/clock", json={"advance_seconds": 3601})
    assert list(client.numbers.list().iterator()) == []  # 401 "expired" -> new token -> retried
    assert [e["path"] for e in sb.log("sinch.auth")] == ["/oauth2/token", "/oauth2/token"]
    assert [e["status"] for e in sb.log("sinch.numbers")] == [200, 401, 200]
