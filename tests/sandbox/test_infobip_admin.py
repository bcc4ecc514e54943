"""Infobip admin routes (/_sandbox/infobip/{key}/...): out-of-band GET/PATCH/DELETE, records made outside the API,
transitions settled now, forced outcomes; none of it is logged."""

from __future__ import annotations

import pytest
from test_infobip_support import KEY, infobip_fixture, legacy_error, no_body  # noqa: F401

COLLECTIONS = [
    "numbers",
    "inbound-configurations",
    "applications",
    "entities",
    "calls-configurations",
    "masking-configurations",
    "tfa-applications",
    "tfa-messages",
    "whatsapp-templates",
    "whatsapp-name-blocks",
    "whatsapp-senders",
    "security",
    "profiles",
    "subscriptions",
    "rcs-senders",
    "resource-requests",
]


@pytest.mark.parametrize("name", COLLECTIONS)
def test_every_collection_lists(ib, name):
    r = ib.admin.get(ib.admin_path(f"/{name}"))
    assert r.status_code == 200 and r.json() == []


def test_get_patch_delete_and_identity(ib):
    ib.create_app("app-1", "One")
    path = ib.admin_path("/applications/app-1")
    got = ib.admin.get(path).json()
    assert got == {"applicationId": "app-1", "applicationName": "One", "_sandbox": {"due": None}}
    r = ib.admin.patch(path, json={"applicationName": "Changed outside"})
    assert r.status_code == 200 and r.json()["applicationName"] == "Changed outside"
    assert ib.api.get("/provisioning/1/applications/app-1").json() == {
        "applicationId": "app-1",
        "applicationName": "Changed outside",
    }
    assert ib.admin.patch(path, json={"applicationId": "other"}).status_code == 400
    assert ib.admin.get(ib.admin_path("/applications/nope")).status_code == 404
    number = ib.buy(body={"applicationId": "app-1"})
    no_body(ib.admin.delete(path), 204)  # the API's side effects apply
    assert ib.api.get(f"/numbers/1/numbers/{number['numberKey']}").json()["applicationId"] == "default"
    assert ib.sb.log("infobip")[-1]["path"] == f"/numbers/1/numbers/{number['numberKey']}"  # admin calls not logged


def test_unmanaged_records(ib):
    # any number, even outside the inventory
    r = ib.admin.post(ib.admin_path("/numbers"), json={"number": "385991234567", "country": "HR"})
    assert r.status_code == 201
    key = r.json()["numberKey"]
    owned = ib.api.get(f"/numbers/1/numbers/{key}").json()
    assert owned["number"] == "385991234567" and owned["country"] == "HR" and owned["applicationId"] == "default"
    assert ib.admin.post(ib.admin_path("/numbers"), json={"number": "385991234567"}).status_code == 409
    assert ib.admin.post(ib.admin_path("/numbers"), json={"number": "999"}).status_code == 400
    inventory = ib.available(country="NL", limit=1)[0]
    r = ib.admin.post(ib.admin_path("/numbers"), json={"number": inventory["number"]})
    assert r.json()["numberKey"] == inventory["numberKey"]
    # an approved template made in the portal
    r = ib.admin.post(
        ib.admin_path("/whatsapp-templates"), json={"name": "portal", "language": "en", "category": "UTILITY"}
    )
    t = r.json()
    assert r.status_code == 201 and t["status"] == "APPROVED"
    got = ib.api.get(f"/whatsapp/2/senders/447860099299/templates/{t['id']}").json()
    assert got["name"] == "portal" and got["status"] == "APPROVED"
    # a 2FA application, a subscription, an RCS sender
    app = ib.admin.post(ib.admin_path("/tfa-applications"), json={"name": "made elsewhere"}).json()
    assert ib.api.get(f"/2fa/2/applications/{app['applicationId']}").json()["configuration"]["pinAttempts"] == 10
    ib.admin.post(ib.admin_path("/profiles"), json={"profileId": "p", "webhook": {"notifyUrl": "https://h"}})
    sub = {"channel": "SMS", "subscriptionId": "s", "events": ["DELIVERY"], "profile": {"profileId": "p"}}
    assert ib.admin.post(ib.admin_path("/subscriptions"), json=sub).status_code == 201
    assert ib.api.get("/subscriptions/1/subscription/SMS/s").json()["events"] == ["DELIVERY"]
    assert ib.admin.get(ib.admin_path("/subscriptions/SMS/s")).json()["_sandbox"]["channel"] == "SMS"
    assert ib.admin.post(ib.admin_path("/rcs-senders"), json={"senderName": "Portal"}).status_code == 201
    assert ib.api.get("/rcs/1/senders/Portal").json()["senderStatus"] == "READY_FOR_TESTING"
    assert ib.admin.post(ib.admin_path("/applications"), json={}).status_code == 400


def test_settle_and_forced_outcomes(ib):
    t = ib.api.post(
        "/whatsapp/2/senders/447860099299/templates",
        json={"name": "slow", "language": "en", "category": "UTILITY", "structure": {"body": {"text": "x"}}},
    ).json()
    view = ib.admin.get(ib.admin_path(f"/whatsapp-templates/{t['id']}")).json()
    assert view["_sandbox"]["review"]["outcome"] == "APPROVED" and view["_sandbox"]["due"].endswith("Z")
    r = ib.admin.post(ib.admin_path(f"/whatsapp-templates/{t['id']}/settle"))
    assert r.status_code == 200 and r.json()["status"] == "APPROVED"
    # an admin PATCH can move a transition into the past: it happens at once
    ib.api.post(
        "/rcs/1/senders",
        json={
            "senderName": "Later",
            "billingCategory": "CONVERSATIONAL",
            "useCase": "OTP",
            "hostingRegion": "EUROPE",
            "brand": {"brandName": "B"},
            "displayName": "D",
            "description": "d",
            "color": "#000000",
            "emails": [{"address": "a@b.c", "label": "Mail"}],
            "bannerUrl": "https://b",
            "logoUrl": "https://l",
            "privacy": {"url": "https://p"},
            "termsOfService": {"url": "https://t"},
        },
    )
    path = ib.admin_path("/rcs-senders/Later")
    assert ib.admin.get(path).json()["senderStatus"] == "PENDING"
    r = ib.admin.patch(path, json={"_sandbox": {"ready_at": 0}})
    assert r.json()["senderStatus"] == "READY_FOR_TESTING"
    r = ib.admin.post(path + "/status", json={"senderStatus": "SENDER_UPDATE_REQUIRED"})
    assert (
        r.status_code == 200 and ib.api.get("/rcs/1/senders/Later").json()["senderStatus"] == "SENDER_UPDATE_REQUIRED"
    )
    assert ib.admin.post(path + "/status", json={"senderStatus": "BOGUS"}).status_code == 400
    # a resource request settled now runs to its end
    rid = ib.api.post(
        "/resources/1/requests",
        json={
            "type": "NUMBER_PURCHASE",
            "countryCode": "DE",
            "numberType": "VIRTUAL_LONG_NUMBER",
            "capabilities": ["SMS"],
        },
    ).json()["id"]
    r = ib.admin.post(ib.admin_path(f"/resource-requests/{rid}/settle"))
    assert r.json()["status"] == "COMPLETED" and len(r.json()["numbers"]) == 1
    # a name block can be lifted
    ib.api.delete("/whatsapp/2/senders/447860099299/templates/slow")
    assert [b["name"] for b in ib.admin.get(ib.admin_path("/whatsapp-name-blocks")).json()] == ["slow"]
    legacy_error(
        ib.api.post(
            "/whatsapp/2/senders/447860099299/templates",
            json={"name": "slow", "language": "en", "category": "UTILITY", "structure": {"body": {"text": "x"}}},
        ),
        400,
        "BAD_REQUEST",
    )
    no_body(ib.admin.delete(ib.admin_path("/whatsapp-name-blocks/slow")), 204)
    assert (
        ib.api.post(
            "/whatsapp/2/senders/447860099299/templates",
            json={"name": "slow", "language": "en", "category": "UTILITY", "structure": {"body": {"text": "x"}}},
        ).status_code
        == 201
    )


def test_accounts_are_separate_in_admin(ib):
    ib.create_app("only-mine")
    assert ib.admin.get(ib.admin_path("/applications", key="someone-else")).json() == []
    assert [a["applicationId"] for a in ib.admin.get(ib.admin_path("/applications", key=KEY)).json()] == ["only-mine"]
