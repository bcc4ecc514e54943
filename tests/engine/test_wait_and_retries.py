"""The one waiter (fake clock, no real sleeping) and the HTTP retry policy (real sandbox faults)."""

from __future__ import annotations

import pytest

from provisioner.errors import ProviderAPIError, WaitTimeoutError
from provisioner.http import ApiHost, CallCounter
from provisioner.model import Readiness, ReadinessState
from provisioner.wait import until_ready


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _script(*states: Readiness):
    seq = list(states)

    def refresh() -> Readiness:
        return seq.pop(0) if len(seq) > 1 else seq[0]

    return refresh


def test_waits_until_ready_with_growing_capped_pauses():
    clock = FakeClock()
    ticks = []
    result = until_ready(
        _script(*[Readiness.pending("IN_PROGRESS")] * 6, Readiness.ready()),
        timeout=600,
        address="t",
        clock=clock,
        on_tick=lambda s, e: ticks.append(s.message),
    )
    assert result.state is ReadinessState.READY
    assert len(clock.sleeps) == 6 and ticks == ["IN_PROGRESS"] * 6
    assert clock.sleeps[-1] > clock.sleeps[0]  # backs off
    assert max(clock.sleeps) <= 30


def test_a_failure_is_returned_not_waited_out():
    clock = FakeClock()
    result = until_ready(
        _script(Readiness.pending(), Readiness.failed("REJECTED: INVALID_FORMAT")), timeout=60, address="t", clock=clock
    )
    assert result.state is ReadinessState.FAILED and "INVALID_FORMAT" in result.message


def test_timeout_names_the_resource_and_the_last_status():
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError, match=r"cannot wait for tmpl: still IN_PROGRESS after 60s") as err:
        until_ready(_script(Readiness.pending("IN_PROGRESS")), timeout=60, address="tmpl", clock=clock)
    assert err.value.last_status == "IN_PROGRESS"
    assert clock.now <= 60 + 1e-9  # never sleeps past the deadline


def _host(sandbox, counter: CallCounter) -> ApiHost:
    clock = FakeClock()  # retries pause on the fake clock: the test never sleeps
    return ApiHost("vonage", sandbox.endpoints["vonage.api"], auth=None, counter=counter, clock=clock)


def test_get_is_retried_on_503_and_honours_retry_after(sandbox):
    sandbox.admin_call(
        "POST", "/_sandbox/faults", json={"api": "vonage.api", "status": 503, "retry_after": 7, "count": 2}
    )
    counter = CallCounter()
    host = _host(sandbox, counter)
    r = host.request("GET", "/v2/applications")
    assert r.status_code == 401  # reached the real handler (no auth given) after two retried 503s
    assert counter.reads == 3 and counter.retries == 2
    assert host.clock.sleeps == [7, 7]
    assert [x["status"] for x in sandbox.requests()] == [503, 503, 401]


def test_post_is_not_repeated_after_a_5xx_but_is_after_a_429(sandbox):
    sandbox.admin_call("POST", "/_sandbox/faults", json={"api": "vonage.api", "status": 500, "count": 1})
    counter = CallCounter()
    host = _host(sandbox, counter)
    assert host.request("POST", "/v2/applications", json={"name": "x"}).status_code == 500
    assert counter.writes == 1 and counter.retries == 0  # it may have landed: never blindly repeated

    sandbox.admin_call(
        "POST", "/_sandbox/faults", json={"api": "vonage.api", "status": 429, "retry_after": 1, "count": 1}
    )
    assert host.request("POST", "/v2/applications", json={"name": "x"}).status_code == 401
    assert counter.retries == 1  # a 429 means nothing was done, so repeating is safe


def test_retries_are_bounded(sandbox):
    sandbox.admin_call("POST", "/_sandbox/faults", json={"api": "vonage.api", "status": 503})
    counter = CallCounter()
    assert _host(sandbox, counter).request("GET", "/v2/applications").status_code == 503
    assert counter.reads == 4  # the first try and 3 retries


def test_read_only_host_refuses_before_sending(sandbox):
    counter = CallCounter()
    host = ApiHost("vonage", sandbox.endpoints["vonage.api"], counter=counter, read_only=True)
    with pytest.raises(ProviderAPIError, match="read-only"):
        host.request("DELETE", "/v2/applications/x")
    assert sandbox.requests() == [] and counter.writes == 0
