"""Rate limits and fault injection on provider listeners."""

from __future__ import annotations

import time

import httpx
import pytest


def test_rate_limit_api_problem_details_with_retry_after(sb):
    assert sb.admin.post("/_sandbox/ratelimits", json={"api": "vonage.api", "rps": 2}).status_code == 201
    statuses = [sb.api.get("/v2/applications") for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    assert [r.status_code for r in statuses[:2]] == [200, 200]  # burst defaults to rps
    assert len(limited) >= 3
    body = limited[0].json()
    assert body["type"] == "https://developer.vonage.com/api-errors#rate-limit"
    assert body["title"] == "Rate Limit Hit"
    assert body["detail"] == "Please wait, then retry your request"
    assert int(limited[0].headers["retry-after"]) >= 1
    # Other APIs are not limited.
    assert all(sb.rest.get("/account/numbers").status_code == 200 for _ in range(5))
    time.sleep(0.6)  # a token comes back after 1/rps seconds
    assert sb.api.get("/v2/applications").status_code == 200
    assert sb.admin.get("/_sandbox/ratelimits").json() == [{"api": "vonage.api", "rps": 2.0, "burst": 2.0}]
    assert sb.admin.delete("/_sandbox/ratelimits").status_code == 204
    assert all(sb.api.get("/v2/applications").status_code == 200 for _ in range(10))
    assert 429 in [e["status"] for e in sb.log("vonage.api")]


def test_rate_limit_rest_format(sb):
    sb.admin.post("/_sandbox/ratelimits", json={"api": "vonage.rest", "rps": 1, "burst": 1})
    first, second = sb.rest.get("/account/numbers"), sb.rest.get("/account/numbers")
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == {"error-code": "429", "error-code-label": "too many requests"}
    assert second.headers["retry-after"] == "1"
    assert second.headers["server"] == "nginx"
    sb.admin.delete("/_sandbox/ratelimits", params={"api": "vonage.rest"})
    assert sb.rest.get("/account/numbers").status_code == 200


def test_fault_injection_status_and_retry_after(sb):
    r = sb.admin.post("/_sandbox/faults", json={"api": "vonage.rest", "rate": 1.0, "status": 503, "retry_after": 7})
    assert r.status_code == 201
    r = sb.rest.get("/account/numbers")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "7"
    assert r.json() == {"error-code": "503", "error-code-label": "service unavailable"}
    assert sb.api.get("/v2/applications").status_code == 200  # other APIs unaffected
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "status": 500})
    r = sb.api.get("/v2/applications")
    assert r.status_code == 500 and r.json()["title"] == "Internal Server Error"
    assert "retry-after" not in r.headers
    assert sb.admin.delete("/_sandbox/faults").status_code == 204
    assert sb.rest.get("/account/numbers").status_code == 200
    assert [e["status"] for e in sb.log()] == [503, 200, 500, 200]


def test_fault_injection_is_seeded_and_partial(sb):
    def run() -> list[int]:
        sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "rate": 0.3, "status": 502, "seed": 42})
        return [sb.api.get("/v2/applications").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second  # same seed, same sequence
    assert 0 < first.count(502) < 40
    assert set(first) == {200, 502}
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "rate": 0.3, "status": 502, "seed": 7})
    third = [sb.api.get("/v2/applications").status_code for _ in range(40)]
    assert third != first


def test_fault_count_then_spent(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "status": 429, "retry_after": 1, "count": 2})
    statuses = [sb.api.get("/v2/applications").status_code for _ in range(4)]
    assert statuses == [429, 429, 200, 200]
    assert sb.admin.get("/_sandbox/faults").json() == []


def test_fault_429_on_api_uses_rate_limit_body(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "status": 429, "retry_after": 2})
    r = sb.api.get("/v2/applications")
    assert r.status_code == 429
    assert r.json()["title"] == "Rate Limit Hit"
    assert r.headers["retry-after"] == "2"


def test_fault_delay(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.rest", "delay_ms": 300})
    start = time.monotonic()
    r = sb.rest.get("/account/numbers")
    assert r.status_code == 200  # latency only
    assert time.monotonic() - start >= 0.3


def test_fault_drop_connection(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "drop": True, "count": 1})
    with httpx.Client(base_url=sb.server.endpoints["vonage.api"], auth=("k", "s")) as c:
        with pytest.raises(httpx.TransportError):
            c.get("/v2/applications")
        assert c.get("/v2/applications").status_code == 200
    assert [e["status"] for e in sb.log()] == [None, 200]


@pytest.mark.parametrize(
    "rule",
    [
        {"api": "nope", "status": 500},
        {"api": "vonage.api", "rate": 2},
        {"api": "vonage.api", "status": 200},
        {"api": "vonage.api", "surprise": 1},
        {"api": "vonage.api", "count": 0},
    ],
)
def test_invalid_fault_rules(sb, rule):
    assert sb.admin.post("/_sandbox/faults", json=rule).status_code == 400


def test_invalid_rate_limits(sb):
    assert sb.admin.post("/_sandbox/ratelimits", json={"api": "vonage.api", "rps": 0}).status_code == 400
    assert sb.admin.post("/_sandbox/ratelimits", json={"api": "x", "rps": 1}).status_code == 400


def test_initial_faults_and_rate_limits_from_config(server_factory, new_client):
    srv = server_factory(
        faults=[{"api": "vonage.rest", "status": 500, "count": 1}],
        rate_limits=[{"api": "vonage.api", "rps": 1, "burst": 1}],
    )
    rest, api = new_client(srv.endpoints["vonage.rest"]), new_client(srv.endpoints["vonage.api"])
    assert [rest.get("/account/numbers").status_code for _ in range(2)] == [500, 200]
    assert [api.get("/v2/applications").status_code for _ in range(2)] == [200, 429]


def test_fault_after_the_write_loses_the_response_but_the_purchase_lands(sb):
    sb.admin.post(
        "/_sandbox/faults",
        json={"api": "vonage.rest", "after": True, "drop": True, "method": "POST", "path": "/number/buy", "count": 1},
    )
    with httpx.Client(base_url=sb.server.endpoints["vonage.rest"], auth=("k", "s")) as c:
        assert c.get("/account/numbers").status_code == 200  # other requests are untouched
        with pytest.raises(httpx.TransportError):
            c.post("/number/buy", data={"country": "GB", "msisdn": "447700900005"})
        owned = c.get("/account/numbers").json()
    assert [n["msisdn"] for n in owned["numbers"]] == ["447700900005"]  # it took effect anyway


def test_fault_after_can_replace_the_answer_with_an_error(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.rest", "after": True, "status": 503, "path": "/number/buy"})
    with httpx.Client(base_url=sb.server.endpoints["vonage.rest"], auth=("k", "s")) as c:
        assert c.post("/number/buy", data={"country": "GB", "msisdn": "447700900006"}).status_code == 503
        assert c.get("/account/numbers").json()["count"] == 1


def test_a_held_response_is_logged_when_the_request_takes_effect(sb):
    import threading

    sb.admin.post(
        "/_sandbox/faults", json={"api": "vonage.rest", "after": True, "delay_ms": 1500, "path": "/number/buy"}
    )
    with httpx.Client(base_url=sb.server.endpoints["vonage.rest"], auth=("k", "s"), timeout=10) as c:
        worker = threading.Thread(
            target=lambda: c.post("/number/buy", data={"country": "GB", "msisdn": "447700900007"})
        )
        worker.start()
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not sb.log():
            time.sleep(0.02)
        assert [e["path"] for e in sb.log()] == ["/number/buy"]  # logged before the held answer is sent
        worker.join()


def test_a_mix_draws_a_weighted_fault_per_hit_reproducibly(sb):
    rule = {
        "api": "vonage.api",
        "rate": 1.0,
        "seed": 3,
        "mix": [{"status": 429, "retry_after": 1, "weight": 3}, {"status": 503}, {"status": 500, "weight": 0.5}],
    }
    assert sb.admin.post("/_sandbox/faults", json=rule).status_code == 201

    def run() -> list[int]:
        sb.admin.post("/_sandbox/faults", json=rule)  # restarts the seeded draw
        return [sb.api.get("/v2/applications").status_code for _ in range(90)]

    first = run()
    assert first == run()  # seeded: the same sequence again
    counts = {s: first.count(s) for s in (429, 503, 500)}
    assert sum(counts.values()) == 90 and counts[429] > counts[503] > counts[500] > 0  # weights 3 : 1 : 0.5
    listed = sb.admin.get("/_sandbox/faults").json()[0]
    assert [m["status"] for m in listed["mix"]] == [429, 503, 500]


def test_a_negated_method_hits_every_write_and_no_read(sb):
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "status": 503, "method": "!get"})
    assert sb.api.get("/v2/applications").status_code == 200
    assert sb.api.post("/v2/applications", json={"name": "x"}).status_code == 503
    assert sb.api.delete("/v2/applications/00000000-0000-0000-0000-000000000000").status_code == 503
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "status": 503, "method": "POST"})
    assert sb.api.delete("/v2/applications/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize(
    "rule",
    [
        {"api": "vonage.api", "mix": []},
        {"api": "vonage.api", "mix": [{"status": 200}]},
        {"api": "vonage.api", "mix": [{"status": 500, "weight": 0}]},
        {"api": "vonage.api", "mix": [{"status": 500, "surprise": 1}]},
        {"api": "vonage.api", "status": 500, "mix": [{"status": 503}]},
    ],
)
def test_invalid_mixes(sb, rule):
    r = sb.admin.post("/_sandbox/faults", json=rule)
    assert r.status_code == 400, r.text
