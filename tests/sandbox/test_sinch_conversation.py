"""Sinch Conversation API emulator (sinch.md §4): apps with channel credentials and their async state, update_mask
PATCH, webhooks with the 5-per-app limit, snake_case and Google-RPC errors."""

from __future__ import annotations

from test_sinch_support import rpc_error, sinch_fixture, sms_credential  # noqa: F401

from provisioner.sandbox.config import SinchChoices


def whatsapp_credential(token="wa-token") -> dict:
    return {"channel": "WHATSAPP", "static_bearer": {"claimed_identity": "sender-1", "token": token}}


def app_get(sinch, app_id) -> dict:
    r = sinch.conv.get(sinch.path(f"/apps/{app_id}"))
    assert r.status_code == 200, r.text
    return r.json()


def test_app_create_defaults_and_credential_activation(sinch):
    app = sinch.create_app({"display_name": "Support", "channel_credentials": [sms_credential()]})
    assert len(app["id"]) == 26
    assert app["display_name"] == "Support"
    assert app["rate_limits"] == {"outbound": 20, "inbound": 100, "webhooks": 100}
    assert app["retention_policy"] == {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180}
    assert app["dispatch_retention_policy"] == {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 0}
    assert app["message_retry_settings"] == {"retry_duration": 3600}
    assert app["processing_mode"] == "CONVERSATION" and app["conversation_metadata_report_view"] == "NONE"
    assert app["queue_stats"] == {"outbound_size": 0, "outbound_limit": 500000}
    assert app["callback_settings"] == {"secret_for_overridden_callback_urls": ""}
    cred = app["channel_credentials"][0]
    assert cred == {
        "channel": "SMS",
        "static_bearer": {"claimed_identity": "plan-1", "token": "sms-token"},
        "callback_secret": "",
        "state": {"status": "PENDING", "description": ""},
        "channel_known_id": "",
        "credential_ordinal_number": 0,
    }
    sinch.advance(1.1)
    assert app_get(sinch, app["id"])["channel_credentials"][0]["state"] == {"status": "ACTIVE", "description": ""}
    assert sinch.conv.get(sinch.path("/apps")).json() == {"apps": [app_get(sinch, app["id"])]}


def test_failing_credential_rule(sinch):
    app = sinch.create_app(
        {"display_name": "x", "channel_credentials": [sms_credential(), whatsapp_credential("invalid")]}
    )
    sinch.advance(1.1)
    states = [c["state"] for c in app_get(sinch, app["id"])["channel_credentials"]]
    assert states[0]["status"] == "ACTIVE"
    assert states[1]["status"] == "FAILING" and states[1]["description"]


def test_processing_mode_default_is_configurable(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(processing_mode_default="DISPATCH"))
    conv = new_client(srv.endpoints["sinch.conversation"])
    r = conv.post("/v1/projects/p/apps", json={"display_name": "a", "channel_credentials": [sms_credential()]})
    assert r.json()["processing_mode"] == "DISPATCH"


def test_app_create_validation(sinch):
    err = rpc_error(
        sinch.conv.post(sinch.path("/apps"), json={"channel_credentials": [sms_credential()]}), 400, "INVALID_ARGUMENT"
    )
    assert err["details"][0]["type"] == "BadRequest"
    assert err["details"][0]["fieldViolations"][0]["field"] == "display_name"
    err = rpc_error(sinch.conv.post(sinch.path("/apps"), json={"display_name": "a"}), 400, "INVALID_ARGUMENT")
    assert err["details"][0]["fieldViolations"][0]["field"] == "channel_credentials"
    for bad in (
        {"channel": "PIGEON", "static_bearer": {"claimed_identity": "a", "token": "b"}},
        {"channel": "SMS", "static_token": {"token": "b"}},
        {"channel": "SMS", "static_bearer": {"token": "b"}},
    ):
        rpc_error(
            sinch.conv.post(sinch.path("/apps"), json={"display_name": "a", "channel_credentials": [bad]}),
            400,
            "INVALID_ARGUMENT",
        )
    rpc_error(
        sinch.conv.post(
            sinch.path("/apps"),
            json={"display_name": "a", "channel_credentials": [sms_credential(), sms_credential("t2")]},
        ),
        400,
        "INVALID_ARGUMENT",
    )
    bad_ttl = {"display_name": "a", "channel_credentials": [sms_credential()], "retention_policy": {"ttl_days": 4000}}
    err = rpc_error(sinch.conv.post(sinch.path("/apps"), json=bad_ttl), 400, "INVALID_ARGUMENT")
    assert err["details"][0]["fieldViolations"][0]["field"] == "retention_policy.ttl_days"
    rpc_error(
        sinch.conv.post(
            sinch.path("/apps"),
            json={"display_name": "a", "channel_credentials": [sms_credential()], "displayName": "x"},
        ),
        400,
        "INVALID_ARGUMENT",
    )
    assert sinch.conv.get(sinch.path("/apps")).json() == {"apps": []}


def test_patch_with_update_mask_replaces_fields_wholesale(sinch):
    app = sinch.create_app(
        {
            "display_name": "Before",
            "channel_credentials": [sms_credential(), whatsapp_credential()],
            "retention_policy": {"retention_type": "CONVERSATION_EXPIRE_POLICY", "ttl_days": 30},
        }
    )
    sinch.advance(1.1)
    path = sinch.path(f"/apps/{app['id']}")
    r = sinch.conv.patch(
        path, params={"update_mask": "display_name"}, json={"display_name": "After", "processing_mode": "DISPATCH"}
    )
    assert r.status_code == 200
    after = r.json()
    assert after["display_name"] == "After" and after["processing_mode"] == "CONVERSATION"  # not in the mask
    assert len(after["channel_credentials"]) == 2
    # channel_credentials is replaced as a whole list: WHATSAPP disappears, SMS unchanged keeps ACTIVE, TELEGRAM new.
    current = app_get(sinch, app["id"])["channel_credentials"]
    new_list = [current[0], {"channel": "TELEGRAM", "telegram_credentials": {"token": "tg"}}]
    after = sinch.conv.patch(
        path, params={"update_mask": "channel_credentials"}, json={"channel_credentials": new_list}
    ).json()
    assert [c["channel"] for c in after["channel_credentials"]] == ["SMS", "TELEGRAM"]
    assert [c["state"]["status"] for c in after["channel_credentials"]] == ["ACTIVE", "PENDING"]
    sinch.advance(1.1)
    assert [c["state"]["status"] for c in app_get(sinch, app["id"])["channel_credentials"]] == ["ACTIVE", "ACTIVE"]
    # A masked field absent from the body goes back to its default.
    r = sinch.conv.patch(
        path,
        params=[("update_mask", "retention_policy"), ("update_mask", "display_name")],
        json={"display_name": "Third"},
    )
    assert r.json()["retention_policy"] == {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180}
    assert r.json()["display_name"] == "Third"
    # Without update_mask the fields present in the body are replaced.
    r = sinch.conv.patch(path, json={"smart_conversation": {"enabled": True}})
    assert r.json()["smart_conversation"] == {"enabled": True} and r.json()["display_name"] == "Third"
    rpc_error(sinch.conv.patch(path, params={"update_mask": "owner"}, json={}), 400, "INVALID_ARGUMENT")
    rpc_error(
        sinch.conv.patch(path, params={"update_mask": "channel_credentials"}, json={"channel_credentials": []}),
        400,
        "INVALID_ARGUMENT",
    )
    rpc_error(sinch.conv.patch(path, params={"update_mask": "display_name"}, json={}), 400, "INVALID_ARGUMENT")


def test_app_not_found_and_delete(sinch):
    err = rpc_error(sinch.conv.get(sinch.path("/apps/01NOPE")), 404, "NOT_FOUND")
    assert "01NOPE" in err["message"]
    app = sinch.create_app()
    rpc_error(sinch.conv.get(sinch.path(f"/apps/{app['id']}", project="other")), 404, "NOT_FOUND")
    r = sinch.conv.delete(sinch.path(f"/apps/{app['id']}"))
    assert r.status_code == 200 and r.json() == {}
    rpc_error(sinch.conv.get(sinch.path(f"/apps/{app['id']}")), 404, "NOT_FOUND")
    rpc_error(sinch.conv.delete(sinch.path(f"/apps/{app['id']}")), 404, "NOT_FOUND")


# -- webhooks ----------------------------------------------------------------------------------------------------


def hook(sinch, app_id, target="https://example.com/conv", **extra):
    body = {"app_id": app_id, "target": target, "triggers": ["MESSAGE_INBOUND"], **extra}
    r = sinch.conv.post(sinch.path("/webhooks"), json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_webhook_crud(sinch):
    app = sinch.create_app()
    created = hook(sinch, app["id"], secret="shh", triggers=["MESSAGE_INBOUND", "MESSAGE_DELIVERY"])
    assert created == {
        "id": created["id"],
        "app_id": app["id"],
        "target": "https://example.com/conv",
        "target_type": "HTTP",
        "secret": "shh",
        "triggers": ["MESSAGE_INBOUND", "MESSAGE_DELIVERY"],
        "client_credentials": None,
    }
    assert sinch.conv.get(sinch.path(f"/webhooks/{created['id']}")).json() == created
    assert sinch.conv.get(sinch.path(f"/apps/{app['id']}/webhooks")).json() == {"webhooks": [created]}
    r = sinch.conv.patch(
        sinch.path(f"/webhooks/{created['id']}"),
        params={"update_mask": "triggers,secret"},
        json={"triggers": ["OPT_IN"], "target": "https://ignored.example.com"},
    )
    assert r.status_code == 200
    assert r.json()["triggers"] == ["OPT_IN"] and r.json()["secret"] == "" and r.json()["target"] == created["target"]
    other = sinch.create_app()
    moved = sinch.conv.patch(
        sinch.path(f"/webhooks/{created['id']}"), params={"update_mask": "app_id"}, json={"app_id": other["id"]}
    ).json()
    assert moved["app_id"] == other["id"]
    assert sinch.conv.get(sinch.path(f"/apps/{app['id']}/webhooks")).json() == {"webhooks": []}
    r = sinch.conv.delete(sinch.path(f"/webhooks/{created['id']}"))
    assert r.status_code == 200 and r.json() == {}
    rpc_error(sinch.conv.get(sinch.path(f"/webhooks/{created['id']}")), 404, "NOT_FOUND")
    rpc_error(sinch.conv.get(sinch.path("/apps/01NOPE/webhooks")), 404, "NOT_FOUND")


def test_webhook_limit_and_unique_target_per_app(sinch):
    app = sinch.create_app()
    for i in range(5):
        hook(sinch, app["id"], target=f"https://example.com/{i}")
    err = rpc_error(
        sinch.conv.post(
            sinch.path("/webhooks"),
            json={"app_id": app["id"], "target": "https://example.com/5", "triggers": ["OPT_IN"]},
        ),
        400,
        "INVALID_ARGUMENT",
    )
    assert "maximum" in err["message"]
    err = rpc_error(
        sinch.conv.post(
            sinch.path("/webhooks"),
            json={"app_id": app["id"], "target": "https://example.com/0", "triggers": ["OPT_IN"]},
        ),
        400,
        "INVALID_ARGUMENT",
    )
    assert "already exists" in err["message"]
    other = sinch.create_app()
    hook(sinch, other["id"], target="https://example.com/0")  # unique per app, not per project
    assert len(sinch.conv.get(sinch.path(f"/apps/{app['id']}/webhooks")).json()["webhooks"]) == 5


def test_webhook_validation(sinch):
    app = sinch.create_app()

    def bad(body):
        r = sinch.conv.post(
            sinch.path("/webhooks"),
            json={"app_id": app["id"], "target": "https://example.com/x", "triggers": ["OPT_IN"], **body},
        )
        return rpc_error(r, 400, "INVALID_ARGUMENT")["details"][0]["fieldViolations"][0]["field"]

    assert bad({"triggers": ["UNSPECIFIED_TRIGGER"]}) == "triggers"
    assert bad({"triggers": []}) == "triggers"
    assert bad({"target": "ftp://example.com"}) == "target"
    assert bad({"target": "https://example.com/" + "x" * 800}) == "target"
    assert bad({"target": "https://us.conversation.api.sinch.com/hook"}) == "target"
    assert bad({"app_id": "01UNKNOWN"}) == "app_id"
    assert bad({"target_type": "GRPC"}) == "target_type"
    assert bad({"client_credentials": {"client_id": "a"}}) == "client_credentials.client_secret"
    ok = hook(
        sinch,
        app["id"],
        target_type="DISMISS",
        client_credentials={
            "client_id": "a",
            "client_secret": "b",
            "endpoint": "https://auth.example.com",
            "token_request_type": "FORM",
        },
    )
    assert ok["target_type"] == "DISMISS" and ok["client_credentials"]["token_request_type"] == "FORM"


def test_deleting_an_app_deletes_its_webhooks(sinch):
    app = sinch.create_app()
    created = hook(sinch, app["id"])
    sinch.conv.delete(sinch.path(f"/apps/{app['id']}"))
    rpc_error(sinch.conv.get(sinch.path(f"/webhooks/{created['id']}")), 404, "NOT_FOUND")


def test_unknown_route(sinch):
    rpc_error(sinch.bare("sinch.conversation").get(sinch.path("/contacts")), 404, "NOT_FOUND")
    r = sinch.conv.put(sinch.path("/apps"))
    rpc_error(r, 405, "UNIMPLEMENTED")


def test_the_sandbox_serves_one_conversation_region(sinch):
    app = sinch.create_app()
    us = sinch.conv.get(sinch.path(f"/apps/{app['id']}"), headers={"Host": "us.conversation.api.sinch.com"})
    assert us.status_code == 200
    eu = sinch.conv.get(sinch.path(f"/apps/{app['id']}"), headers={"Host": "eu.conversation.api.sinch.com"})
    rpc_error(eu, 404, "NOT_FOUND")
