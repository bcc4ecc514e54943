"""Calls configurations (infobip.md §3.2) and Number Masking configurations (§3.4)."""

from __future__ import annotations

import re

from test_infobip_support import infobip_fixture, legacy_error  # noqa: F401

from provisioner.sandbox import InfobipChoices

CALLS = "/calls/1/configurations"
MASKING = "/voice/masking/2/config"


def test_calls_configuration_crud(ib):
    r = ib.api.post(CALLS, json={"id": "ivr-main", "name": "Main IVR"})
    assert r.status_code == 201 and r.json() == {"id": "ivr-main", "name": "Main IVR"}
    generated = ib.api.post(CALLS, json={"name": "Generated"}).json()
    assert re.fullmatch(r"[0-9a-f]{24}", generated["id"])
    exc = legacy_error(ib.api.post(CALLS, json={"id": "ivr-main"}), 400, "BAD_REQUEST", "Request is invalid.")
    assert "id" in exc["validationErrors"]
    legacy_error(ib.api.post(CALLS, json={"id": "bad id!"}), 400, "BAD_REQUEST")
    legacy_error(ib.api.post(CALLS, json={"name": ""}), 400, "BAD_REQUEST")
    assert ib.api.get(f"{CALLS}/ivr-main").json() == {"id": "ivr-main", "name": "Main IVR"}
    r = ib.api.put(f"{CALLS}/ivr-main", json={"name": "Renamed"})
    assert r.status_code == 200 and r.json() == {"id": "ivr-main", "name": "Renamed"}
    r = ib.api.delete(f"{CALLS}/ivr-main")
    assert r.status_code == 200 and r.json() == {"id": "ivr-main", "name": "Renamed"}  # the deleted object
    for verb in ("get", "delete"):
        legacy_error(getattr(ib.api, verb)(f"{CALLS}/ivr-main"), 404, "NOT_FOUND", "Resource was not found.")
    legacy_error(ib.api.put(f"{CALLS}/ivr-main", json={"name": "x"}), 404, "NOT_FOUND")
    nameless = ib.api.post(CALLS, json={"id": "no-name"}).json()
    assert nameless == {"id": "no-name"}


def test_calls_configuration_list_paging(ib):
    for i in range(3):
        ib.api.post(CALLS, json={"id": f"c{i}", "name": f"n{i}"})
    body = ib.api.get(CALLS, params={"size": 2}).json()
    assert body["results"] == [{"id": "c0", "name": "n0"}, {"id": "c1", "name": "n1"}]
    assert body["paging"] == {"page": 0, "size": 2, "totalPages": 2, "totalResults": 3}
    legacy_error(ib.api.get(CALLS, params={"size": 101}), 400, "BAD_REQUEST")


def test_number_masking_crud(ib):
    # no configuration at all: 404, as the spec's example shows
    legacy_error(ib.api.get(MASKING), 404, "NOT_FOUND", "Masking configurations not found.")
    body = {"name": "Masking One", "callbackUrl": "https://example.com/cb", "statusUrl": "https://example.com/st"}
    r = ib.api.post(MASKING, json=body)
    assert r.status_code == 200
    cfg = r.json()
    assert re.fullmatch(r"[0-9A-F]{32}", cfg["key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", cfg["insertDateTime"])
    assert cfg["insertDateTime"] == cfg["updateDateTime"]
    assert {k: cfg[k] for k in body} == body
    assert ib.api.get(MASKING).json() == [cfg]
    assert ib.api.get(f"{MASKING}/{cfg['key']}").json() == cfg
    ib.advance(5)
    r = ib.api.put(f"{MASKING}/{cfg['key']}", json={"name": "Masking One", "callbackUrl": "https://example.com/v2"})
    updated = r.json()
    assert r.status_code == 200 and updated["callbackUrl"] == "https://example.com/v2" and "statusUrl" not in updated
    assert updated["insertDateTime"] == cfg["insertDateTime"] and updated["updateDateTime"] > cfg["updateDateTime"]
    r = ib.api.delete(f"{MASKING}/{cfg['key']}")
    assert r.status_code == 200 and r.content == b""
    legacy_error(ib.api.get(f"{MASKING}/{cfg['key']}"), 404, "NOT_FOUND", "Masking configuration not found.")
    legacy_error(
        ib.api.get(f"{MASKING}/not-a-key"), 400, "BAD_REQUEST", "Make sure you provided a valid key parameter."
    )


def test_number_masking_validation(ib):
    exc = legacy_error(ib.api.post(MASKING, json={"callbackUrl": "https://e.com"}), 400, "BAD_REQUEST", "Bad request")
    assert exc["validationErrors"] == {"name": ["Setup name is required."]}
    exc = legacy_error(ib.api.post(MASKING, json={"name": "no-dashes!"}), 400, "BAD_REQUEST")
    assert set(exc["validationErrors"]) == {"name", "callbackUrl"}
    ib.api.post(MASKING, json={"name": "Taken", "callbackUrl": "https://e.com"})
    exc = legacy_error(ib.api.post(MASKING, json={"name": "Taken", "callbackUrl": "https://e.com"}), 400, "BAD_REQUEST")
    assert "name" in exc["validationErrors"]


def test_masking_empty_list_choice(server_factory, new_client):
    srv = server_factory(infobip=InfobipChoices(masking_empty_list_404=False))
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    r = c.get(MASKING)
    assert r.status_code == 200 and r.json() == []
