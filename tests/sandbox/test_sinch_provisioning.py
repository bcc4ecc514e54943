"""Sinch Provisioning API emulator, service level and project webhooks (sinch.md §2.1, §2.3)."""

from __future__ import annotations

from test_sinch_support import PROJECT, papi_error, sinch_fixture  # noqa: F401

from provisioner.sandbox.config import SinchChoices


def webhook(sinch, target: str, triggers=("ALL",), secret: str = "s3cret", project: str = PROJECT) -> dict:
    r = sinch.prov.post(
        sinch.path("/webhooks", project), json={"target": target, "secret": secret, "triggers": list(triggers)}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_webhook_create_get_and_secret_is_write_only(sinch):
    created = webhook(sinch, "https://hooks.example.com/a", ["WHATSAPP_TEMPLATE_APPROVED", "BUNDLE_DONE"])
    assert set(created) == {"id", "target", "projectId", "triggers"}
    assert created["projectId"] == PROJECT and created["triggers"] == ["WHATSAPP_TEMPLATE_APPROVED", "BUNDLE_DONE"]
    got = sinch.prov.get(sinch.path(f"/webhooks/{created['id']}"))
    assert got.status_code == 200 and got.json() == created
    stored = sinch.admin.get(sinch.admin_path(f"/webhooks/{created['id']}")).json()
    assert stored["_sandbox"]["secret"] == "s3cret"
    assert "secret" not in sinch.prov.get(sinch.path("/webhooks")).text


def test_webhook_list_is_alphabetical_and_paginated(sinch):
    targets = [f"https://hooks.example.com/{c}" for c in "dbeca"]
    for target in targets:
        webhook(sinch, target)
    body = sinch.prov.get(sinch.path("/webhooks")).json()
    assert [w["target"] for w in body["webhooks"]] == sorted(targets)
    assert body["totalSize"] == 5 and body["pageSize"] == 15
    assert "nextPageToken" not in body and "previousPageToken" not in body
    first = sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": 2}).json()
    assert list(first) == ["totalSize", "pageSize", "nextPageToken", "webhooks"]
    assert [w["target"][-1] for w in first["webhooks"]] == ["a", "b"]
    second = sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": 2, "pageToken": first["nextPageToken"]}).json()
    assert [w["target"][-1] for w in second["webhooks"]] == ["c", "d"]
    assert second["previousPageToken"] and second["nextPageToken"]
    back = sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": 2, "pageToken": second["previousPageToken"]})
    assert back.json()["webhooks"] == first["webhooks"]
    last = sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": 2, "pageToken": second["nextPageToken"]}).json()
    assert [w["target"][-1] for w in last["webhooks"]] == ["e"] and "nextPageToken" not in last
    for size in ("0", "16"):
        body = papi_error(sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": size}), 400, "invalid_input")
        assert body["additionalInformation"]["validationErrors"]
    papi_error(sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": "ten"}), 400, "invalid_page_size")
    papi_error(sinch.prov.get(sinch.path("/webhooks"), params={"pageToken": "nope"}), 400, "invalid_page_token")
    assert sinch.prov.get(sinch.path("/webhooks"), params={"pageSize": 15}).status_code == 200


def test_webhook_target_is_unique_per_project(sinch):
    first = webhook(sinch, "https://hooks.example.com/x")
    r = sinch.prov.post(
        sinch.path("/webhooks"), json={"target": "https://hooks.example.com/x", "secret": "a", "triggers": ["ALL"]}
    )
    body = papi_error(r, 409, "webhook_exists")
    assert body["message"] == "Webhook with the provided target already exists."
    assert body["resolution"] == "Webhooks must have a unique target. Change the target and submit again."
    webhook(sinch, "https://hooks.example.com/x", project="another-project")  # other project: fine
    second = webhook(sinch, "https://hooks.example.com/y")
    r = sinch.prov.patch(sinch.path(f"/webhooks/{second['id']}"), json={"target": first["target"]})
    papi_error(r, 409, "webhook_exists")
    r = sinch.prov.patch(sinch.path(f"/webhooks/{first['id']}"), json={"target": first["target"]})
    assert r.status_code == 200  # its own target


def test_webhook_limit_is_15(sinch):
    for i in range(15):
        webhook(sinch, f"https://hooks.example.com/{i:02d}")
    r = sinch.prov.post(
        sinch.path("/webhooks"), json={"target": "https://hooks.example.com/16", "secret": "a", "triggers": ["ALL"]}
    )
    body = papi_error(r, 424, "webhook_limit_reached")
    assert body["message"] == "Number of webhooks has reached the limit."
    assert body["resolution"] == "Delete some webhooks to be able to add more."
    assert sinch.prov.get(sinch.path("/webhooks")).json()["totalSize"] == 15
    some = sinch.prov.get(sinch.path("/webhooks")).json()["webhooks"][0]
    assert sinch.prov.delete(sinch.path(f"/webhooks/{some['id']}")).status_code == 204
    webhook(sinch, "https://hooks.example.com/16")


def test_webhook_validation(sinch):
    def errors(body: dict) -> list[str]:
        r = sinch.prov.post(sinch.path("/webhooks"), json=body)
        return papi_error(r, 400, "invalid_input")["additionalInformation"]["validationErrors"]

    ok = {"target": "https://hooks.example.com/v", "secret": "a", "triggers": ["ALL"]}
    assert "triggers ALL cannot be combined with other triggers" in errors({**ok, "triggers": ["ALL", "BUNDLE_DONE"]})
    assert "triggers should not be empty" in errors({**ok, "triggers": []})
    assert "All triggers's elements must be unique" in errors({**ok, "triggers": ["BUNDLE_DONE", "BUNDLE_DONE"]})
    assert any(
        e.startswith("each value in triggers must be one of the following values: ALL, BUNDLE_DONE")
        for e in errors({**ok, "triggers": ["NOPE"]})
    )
    assert "secret should not be empty" in errors({k: v for k, v in ok.items() if k != "secret"})
    assert "target must be a URL address" in errors({**ok, "target": "not a url"})
    assert "property colour should not exist" in errors({**ok, "colour": "red"})
    r = sinch.prov.post(sinch.path("/webhooks"), content=b"{oops", headers={"Content-Type": "application/json"})
    body = papi_error(r, 400, "invalid_payload")
    assert body["message"] == "Invalid payload." and body["resolution"] == "Correct payload and submit again."
    assert sinch.prov.get(sinch.path("/webhooks")).json()["totalSize"] == 0


def test_webhook_put_replaces_and_patch_is_partial(sinch):
    created = webhook(sinch, "https://hooks.example.com/p", ["BUNDLE_DONE"], secret="one")
    path = sinch.path(f"/webhooks/{created['id']}")
    papi_error(
        sinch.prov.put(path, json={"target": "https://hooks.example.com/q", "triggers": ["ALL"]}), 400, "invalid_input"
    )
    r = sinch.prov.put(path, json={"target": "https://hooks.example.com/q", "secret": "two", "triggers": ["ALL"]})
    assert r.status_code == 200 and r.json() == {
        **created,
        "target": "https://hooks.example.com/q",
        "triggers": ["ALL"],
    }
    assert sinch.admin.get(sinch.admin_path(f"/webhooks/{created['id']}")).json()["_sandbox"]["secret"] == "two"
    r = sinch.prov.patch(path, json={"secret": "three"})
    assert r.status_code == 200 and r.json()["target"] == "https://hooks.example.com/q"
    assert sinch.admin.get(sinch.admin_path(f"/webhooks/{created['id']}")).json()["_sandbox"]["secret"] == "three"
    r = sinch.prov.patch(path, json={"triggers": ["WHATSAPP_SENDER_ACTIVE", "ALL"]})
    papi_error(r, 400, "invalid_input")
    r = sinch.prov.patch(path, json={"triggers": ["WHATSAPP_SENDER_ACTIVE"]})
    assert r.json()["triggers"] == ["WHATSAPP_SENDER_ACTIVE"]


def test_webhook_ids_and_not_found(sinch):
    papi_error(sinch.prov.get(sinch.path("/webhooks/not-a-uuid")), 400, "invalid_id_format")
    missing = "5b1c7e0e-3c57-4f7a-9bd4-1a2b3c4d5e6f"
    body = papi_error(sinch.prov.get(sinch.path(f"/webhooks/{missing}")), 404, "not_found")
    assert body["additionalInformation"] == {"webhookId": missing}
    papi_error(sinch.prov.delete(sinch.path(f"/webhooks/{missing}")), 404, "not_found")
    created = webhook(sinch, "https://hooks.example.com/z")
    r = sinch.prov.delete(sinch.path(f"/webhooks/{created['id']}"))
    assert r.status_code == 204 and r.content == b""
    papi_error(sinch.prov.get(sinch.path(f"/webhooks/{created['id']}")), 404, "not_found")
    papi_error(sinch.prov.get(sinch.path(f"/webhooks/{created['id']}", "another")), 404, "not_found")


def test_unknown_route_gets_the_nest_404_before_auth(sinch):
    r = sinch.bare("sinch.provisioning").get(sinch.path("/kakaotalk/nothing"))
    assert r.status_code == 404
    assert r.json() == {
        "statusCode": 404,
        "message": f"Cannot GET /v1/projects/{PROJECT}/kakaotalk/nothing",
        "error": "Not Found",
    }


def test_rate_limit_and_fault_bodies_are_papi(sinch):
    sinch.admin.post("/_sandbox/ratelimits", json={"api": "sinch.provisioning", "rps": 0.01, "burst": 1})
    assert sinch.prov.get(sinch.path("/webhooks")).status_code == 200
    r = sinch.prov.get(sinch.path("/webhooks"))
    assert papi_error(r, 429, "too_many_requests")["message"] == "Too many requests."
    assert r.headers["retry-after"]
    sinch.admin.delete("/_sandbox/ratelimits")
    sinch.admin.post("/_sandbox/faults", json={"api": "sinch.provisioning", "status": 500, "count": 1})
    body = papi_error(sinch.prov.get(sinch.path("/webhooks")), 500, "internal_error")
    assert body["message"] == "Internal server error."
    assert [e["status"] for e in sinch.sb.log("sinch.provisioning")] == [200, 429, 500]


def test_project_not_initialized_is_configurable(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(uninitialized_projects=("fresh",)))
    prov = new_client(srv.endpoints["sinch.provisioning"])
    r = prov.get("/v1/projects/fresh/whatsapp/templates")
    body = papi_error(r, 400, "project_not_initialized")
    assert body["message"] == "Project not initialized for WhatsApp."
    assert body["resolution"].startswith("Verify that the project ID is correct")
    papi_error(prov.get("/v1/projects/fresh/rcs/senders"), 400, "project_not_initialized")
    assert prov.get("/v1/projects/fresh/webhooks").status_code == 200
    assert prov.get("/v1/projects/other/whatsapp/templates").status_code == 200
