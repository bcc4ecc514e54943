"""CPaaS X applications and entities (infobip.md §3.1): client-chosen ids, 201 with an empty body, 409 duplicates,
PUT 204, DELETE 200, PageInfo paging."""

from __future__ import annotations

import pytest
from test_infobip_support import infobip_fixture, legacy_error, no_body  # noqa: F401

KINDS = [("applications", "applicationId", "applicationName"), ("entities", "entityId", "entityName")]


@pytest.mark.parametrize(("segment", "id_field", "name_field"), KINDS)
def test_crud_codes_and_bodies(ib, segment, id_field, name_field):
    base = f"/provisioning/1/{segment}"
    r = ib.api.post(base, json={id_field: "prod-1", name_field: "Production"})
    no_body(r, 201)
    legacy_error(ib.api.post(base, json={id_field: "prod-1"}), 409, "CONFLICT")
    r = ib.api.get(f"{base}/prod-1")
    assert r.status_code == 200 and r.json() == {id_field: "prod-1", name_field: "Production"}
    no_body(ib.api.put(f"{base}/prod-1", json={name_field: "Renamed"}), 204)
    assert ib.api.get(f"{base}/prod-1").json() == {id_field: "prod-1", name_field: "Renamed"}
    no_body(ib.api.put(f"{base}/prod-1", json={}), 204)  # the body replaces the name
    assert ib.api.get(f"{base}/prod-1").json() == {id_field: "prod-1"}
    legacy_error(ib.api.put(f"{base}/nope", json={name_field: "x"}), 404, "NOT_FOUND")
    r = ib.api.delete(f"{base}/prod-1")
    assert r.status_code == 200 and r.content == b""
    legacy_error(ib.api.get(f"{base}/prod-1"), 404, "NOT_FOUND", "Not found")
    legacy_error(ib.api.delete(f"{base}/prod-1"), 404, "NOT_FOUND")
    # the id is reusable after a delete
    no_body(ib.api.post(base, json={id_field: "prod-1"}), 201)


@pytest.mark.parametrize(("segment", "id_field", "name_field"), KINDS)
def test_validation(ib, segment, id_field, name_field):
    base = f"/provisioning/1/{segment}"
    exc = legacy_error(ib.api.post(base, json={name_field: "x"}), 400, "BAD_REQUEST")
    assert exc["validationErrors"] == {id_field: ["must not be null"]}
    exc = legacy_error(ib.api.post(base, json={id_field: "x" * 256}), 400, "BAD_REQUEST")
    assert id_field in exc["validationErrors"]
    exc = legacy_error(ib.api.post(base, json={id_field: "ok", name_field: "n" * 256}), 400, "BAD_REQUEST")
    assert name_field in exc["validationErrors"]
    legacy_error(ib.api.post(base, json={id_field: "a/b"}), 400, "BAD_REQUEST")


def test_list_pagination(ib):
    for i in range(5):
        ib.create_app(f"app-{i}", name=f"App {i}")
    body = ib.api.get("/provisioning/1/applications").json()
    assert body["paging"] == {"page": 0, "size": 20, "totalPages": 1, "totalResults": 5}
    assert [a["applicationId"] for a in body["results"]] == [f"app-{i}" for i in range(5)]
    page = ib.api.get("/provisioning/1/applications", params={"page": 1, "size": 2}).json()
    assert page["paging"] == {"page": 1, "size": 2, "totalPages": 3, "totalResults": 5}
    assert [a["applicationId"] for a in page["results"]] == ["app-2", "app-3"]
    past = ib.api.get("/provisioning/1/applications", params={"page": 9, "size": 2}).json()
    assert past["results"] == [] and past["paging"]["totalResults"] == 5
    for params in ({"size": 0}, {"size": 1001}, {"page": -1}, {"size": "ten"}):
        legacy_error(ib.api.get("/provisioning/1/applications", params=params), 400, "BAD_REQUEST")
    assert ib.api.get("/provisioning/1/entities", params={"size": 1000}).json()["paging"]["size"] == 1000
