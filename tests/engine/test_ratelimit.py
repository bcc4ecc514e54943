"""The rate limiter on a fake clock (no real sleeping): published limits, AIMD concurrency and rate,
pauses from Retry-After / X-RateLimit-* for every thread, full-jitter retries, and one budget per
account shared by threads and clients."""

from __future__ import annotations

import gc
import random
import threading
import weakref
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from provisioner import httpclient
from provisioner.errors import ProviderError
from provisioner.http import ApiHost, CallCounter
from provisioner.providers.vonage.client import connect as vonage_connect
from provisioner.ratelimit import (
    MAX_CONCURRENCY,
    Account,
    Bucket,
    Rate,
    account,
    identity,
    parse_overrides,
    pause_hint,
)
from provisioner.wait import RETRY_CAP, full_jitter


class FakeClock:
    """Time that moves only when someone sleeps; safe to share between threads."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


WALL = 1_700_000_000  # a wall-clock "now" for date and epoch headers


def answered(bucket: Bucket, status: int = 200, headers: dict[str, str] | None = None) -> float:
    """One call through the bucket: enter, then leave with ``status``."""
    sent = bucket.enter()
    return bucket.leave(sent, status, httpclient.Headers(headers or {}))


# ---------------------------------------------------------------- published limits
def test_a_token_bucket_spends_its_burst_then_refills_at_its_rate_never_above_capacity():
    clock = FakeClock()
    bucket = Bucket("infobip", "list-owned-numbers", Rate.bucket(2, 1), clock)  # burst 2, refill 1/s
    assert [bucket.pace() for _ in range(4)] == pytest.approx([0, 0, 1.01, 1.0])
    clock.now += 100  # idle: refills to 2, not to 100
    assert [bucket.pace() for _ in range(3)] == pytest.approx([0, 0, 1.01])


def test_a_window_never_lets_more_than_n_calls_into_any_t_seconds():
    clock = FakeClock()
    bucket = Bucket("infobip", "get-inbound-configurations", Rate.window(2, 1.0), clock)  # "2 per second"
    started = []
    for _ in range(6):
        bucket.pace()
        started.append(clock.now)
    assert started == pytest.approx([0, 0, 1.01, 1.01, 2.02, 2.02])
    assert all(started[i + 2] - started[i] > 1.0 for i in range(len(started) - 2))


def test_rate_per_second_of_windows_and_buckets():
    assert Rate.window(20, 600).per_second == pytest.approx(1 / 30)
    assert Rate.bucket(10, 2).per_second == 2


# ---------------------------------------------------------------- AIMD concurrency
def test_concurrency_starts_at_one_and_grows_by_one_slot_per_round_of_successes():
    bucket = Bucket("vonage", "applications", None, FakeClock())
    assert bucket.limit == 1
    answered(bucket)
    assert bucket.limit == 2  # 1 + 1/1
    answered(bucket)
    answered(bucket)
    assert bucket.limit == pytest.approx(2 + 1 / 2 + 1 / 2.5)
    for _ in range(5000):
        answered(bucket)
    assert bucket.limit == MAX_CONCURRENCY  # bounded above


def test_a_429_halves_what_was_in_flight_once_per_episode_and_never_below_one():
    clock = FakeClock()
    bucket = Bucket("vonage", "applications", None, clock, max_concurrency=16)
    bucket.limit = 16.0
    sent = [bucket.enter() for _ in range(10)]  # 10 in flight
    clock.now += 0.1
    bucket.leave(sent[0], 429)
    assert bucket.limit == 5  # min(16, 10 in flight) / 2
    for s in sent[1:]:  # the rest of the same burst: sent before the decrease, no further decrease
        bucket.leave(s, 429)
    assert bucket.limit == 5 and bucket.in_flight == 0
    for _ in range(5):  # every new episode halves again, down to 1
        clock.now += 0.1
        bucket.leave(bucket.enter(), 429)
    assert bucket.limit == 1


def test_a_full_bucket_makes_the_next_caller_wait_for_a_slot_that_a_release_hands_over():
    bucket = Bucket("vonage", "applications", None, FakeClock())
    first = bucket.enter()  # limit 1: the only slot
    entered = threading.Event()

    def second() -> None:
        bucket.leave(bucket.enter(), 200)
        entered.set()

    t = threading.Thread(target=second)
    t.start()
    assert not entered.wait(0.2)  # blocked on the slot
    bucket.leave(first, 200)
    assert entered.wait(5)
    t.join()
    assert bucket.in_flight == 0


# ---------------------------------------------------------------- adaptive rate
def test_a_published_limit_is_halved_on_a_429_and_recovers_linearly_in_five_seconds():
    clock = FakeClock()
    bucket = Bucket("infobip", "op", Rate.window(100, 1.0), clock)
    bucket.leave(bucket.enter(), 429)
    assert bucket.snapshot()["pacing"] == pytest.approx(50)
    clock.now += 2.5
    assert bucket.snapshot()["pacing"] == pytest.approx(75)  # +10% of 100 per second
    clock.now += 2.5
    assert bucket.snapshot()["pacing"] is None  # back at the published limit, which governs alone


def test_an_unpublished_limit_is_learned_from_what_the_provider_accepted_in_the_last_second():
    clock = FakeClock()
    bucket = Bucket("vonage", "applications", None, clock)
    assert bucket.snapshot()["pacing"] is None  # no limit until the provider says so
    for _ in range(7):
        clock.now += 0.01
        answered(bucket)
    bucket.leave(bucket.enter(), 429)
    assert bucket.snapshot()["pacing"] == pytest.approx(7)  # its observed capacity, calls per second
    # paced evenly at that rate from now on (burst 1)
    assert [bucket.pace() for _ in range(3)] == pytest.approx([0, 1 / 7, 1 / 7], rel=0.05)
    clock.now += 1
    for _ in range(5):  # throttled at the ceiling after 5 answers in the last second: re-measured, halved
        answered(bucket)
    bucket.leave(bucket.enter(), 429)
    assert bucket.snapshot()["pacing"] == pytest.approx(5 / 2)
    clock.now += 5
    assert bucket.snapshot()["pacing"] == pytest.approx(5)  # recovered linearly to the new ceiling


def test_a_learned_ceiling_is_held_then_probed_and_a_failed_probe_backs_off_the_next_one():
    clock = FakeClock()
    bucket = Bucket("vonage", "numbers", None, clock)
    for _ in range(4):
        answered(bucket)
    bucket.leave(bucket.enter(), 429)
    clock.now += 9.9
    assert bucket.snapshot()["pacing"] == pytest.approx(4)  # held for 10 s
    clock.now += 10.1
    assert bucket.snapshot()["pacing"] == pytest.approx(4 * 1.5)  # then +5%/s: 10 s of probing
    bucket.leave(bucket.enter(), 429)  # the probe failed: the ceiling stands, with a dip to let it refill
    assert bucket.snapshot()["pacing"] == pytest.approx(3)
    clock.now += 2.5 + 19.9
    assert bucket.snapshot()["pacing"] == pytest.approx(4)  # recovered, and now held twice as long
    clock.now += 1.1
    assert bucket.snapshot()["pacing"] > 4


def test_the_rate_never_falls_below_an_eighth_of_the_ceiling():
    clock = FakeClock()
    bucket = Bucket("infobip", "op", Rate.window(16, 1.0), clock)
    for _ in range(10):
        clock.now += 0.01
        bucket.leave(bucket.enter(), 429)
    assert bucket.snapshot()["pacing"] == pytest.approx(2, rel=0.05)


def test_a_429_before_any_success_teaches_nothing_but_still_halves_concurrency():
    bucket = Bucket("sinch", "provisioning", None, FakeClock())
    bucket.limit = 8.0
    bucket.leave(bucket.enter(), 429)
    assert bucket.snapshot()["pacing"] is None and bucket.limit == 1


# ---------------------------------------------------------------- pauses for the whole bucket
def test_retry_after_pauses_the_bucket_for_every_thread_not_only_the_caller():
    clock = FakeClock()
    shared = Account(clock, provider="vonage").bucket("applications")
    shared.limit = 8.0
    pause = answered(shared, 429, {"Retry-After": "2"})
    assert pause == 2 and shared.snapshot()["paused_for"] == 2
    waits: list[tuple[float, str]] = []
    sent: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        def report(seconds: float, reason: str) -> None:
            with lock:
                waits.append((seconds, reason))

        at = shared.enter(report)
        with lock:
            sent.append(at)
        shared.leave(at, 200)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 4 and min(sent) >= 2  # nobody went before the pause ended
    assert {reason for _, reason in waits} >= {"retry_after"}
    assert sum(1 for _, reason in waits if reason == "retry_after") >= 1


@pytest.mark.parametrize(
    "status, headers, seconds, reason",
    [
        pytest.param(429, {"Retry-After": "7"}, 7, "retry_after", id="Retry-After seconds"),
        pytest.param(
            429,
            {"Retry-After": format_datetime(datetime.fromtimestamp(WALL + 30, UTC), usegmt=True)},
            30,
            "retry_after",
            id="Retry-After HTTP date",
        ),
        pytest.param(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}, 12, "reset", id="reset delta"),
        pytest.param(
            200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL + 45)}, 45, "reset", id="reset epoch"
        ),
        pytest.param(429, {"RateLimit-Remaining": "0", "RateLimit-Reset": "3"}, 3, "reset", id="IETF draft names"),
        pytest.param(200, {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "12"}, 0, "", id="budget left"),
        pytest.param(503, {"Retry-After": "7"}, 0, "", id="a 503 is not throttling"),
        pytest.param(429, {"Retry-After": "soon"}, 0, "", id="unreadable"),
    ],
)
def test_pause_hints_from_headers(status, headers, seconds, reason):
    assert pause_hint(status, httpclient.Headers(headers), wall=WALL) == (pytest.approx(seconds), reason)


def test_remaining_zero_on_a_success_pauses_before_the_next_call_meets_a_429():
    clock = FakeClock()
    bucket = Bucket("sinch", "numbers", None, clock)
    answered(bucket, 200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4"})
    waits: list[tuple[float, str]] = []
    bucket.leave(bucket.enter(lambda s, r: waits.append((s, r))), 200)
    assert waits == [(pytest.approx(4), "reset")]


# ---------------------------------------------------------------- retries: full jitter
def test_full_jitter_is_bounded_exponential_and_deterministic_under_a_seed():
    for attempt in range(8):
        cap = min(RETRY_CAP, 0.5 * 2**attempt)
        draws = [full_jitter(attempt, random.Random(seed)) for seed in range(200)]
        assert all(0 <= d <= cap for d in draws)
        assert max(draws) > cap * 0.9 and min(draws) < cap * 0.1  # spread over the whole range
    a = [full_jitter(n, random.Random(42)) for n in range(4)]
    assert a == [full_jitter(n, random.Random(42)) for n in range(4)]


def _host(clock: FakeClock, handler, *, rng: random.Random | None = None, counter: CallCounter | None = None):
    host = ApiHost("vonage", "http://vonage.test", counter=counter or CallCounter(), clock=clock, rng=rng)
    host._client = httpclient.Client(base_url="http://vonage.test", transport=httpclient.MockTransport(handler))
    return host


def _script(*outcomes):
    seq = list(outcomes)

    def handler(request: httpclient.Request) -> httpclient.Response:
        outcome = seq.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        status, headers = outcome
        return httpclient.Response(status, headers=headers, request=request)

    return handler


def test_a_429_without_a_hint_backs_off_with_seeded_full_jitter_and_reports_it():
    clock, events = FakeClock(), []
    counter = CallCounter(listener=lambda event, details: events.append((event, details)))
    host = _host(clock, _script((429, {}), (429, {}), (200, {})), rng=random.Random(7), counter=counter)
    assert host.request("POST", "/v2/applications", json={}).status_code == 200
    rng = random.Random(7)
    expected = [full_jitter(0, rng), full_jitter(1, rng)]
    assert clock.slept == pytest.approx(expected)
    assert counter.throttle_waits == 2 and counter.throttled_seconds == pytest.approx(sum(expected))
    throttles = [d for e, d in events if e == "throttle"]
    assert [t["reason"] for t in throttles] == ["backoff", "backoff"]
    assert throttles[0] == {
        "provider": "vonage",
        "bucket": "default",
        "seconds": round(expected[0], 4),
        "reason": "backoff",
    }


def test_a_429_with_retry_after_waits_once_through_the_paused_bucket():
    clock, counter = FakeClock(), CallCounter()
    host = _host(clock, _script((429, {"Retry-After": "3"}), (200, {})), counter=counter)
    assert host.request("POST", "/v2/applications", json={}).status_code == 200
    assert clock.slept == [3]  # the bucket's pause, not a second wait on top of it
    assert counter.retries == 1 and counter.throttled_seconds == 3 and counter.throttle_waits == 1


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(httpclient.ReadTimeout("timed out"), id="timeout"),
        pytest.param(httpclient.ReadError("[Errno 104] Connection reset by peer"), id="connection reset"),
        pytest.param(httpclient.RemoteProtocolError("Server disconnected"), id="dropped mid-answer"),
    ],
)
def test_timeouts_and_resets_are_retried_for_idempotent_methods_only(error):
    clock = FakeClock()
    host = _host(clock, _script(error, (200, {})))
    assert host.request("GET", "/v2/applications").status_code == 200
    assert host.counter.retries == 1
    post = _host(clock, _script(error, (200, {})))
    with pytest.raises(ProviderError, match="did not answer POST /v2/applications"):
        post.request("POST", "/v2/applications", json={})  # it may have landed: never blindly repeated
    assert post.counter.writes == 1 and post.counter.retries == 0


def test_a_connection_that_never_opened_is_retried_even_for_a_post():
    host = _host(FakeClock(), _script(httpclient.ConnectError("refused"), (201, {})))
    assert host.request("POST", "/v2/applications", json={}).status_code == 201
    assert host.counter.retries == 1


# ---------------------------------------------------------------- one budget per account
def test_threads_share_one_budget_and_never_exceed_it_together():
    clock = FakeClock()
    budget = Account(clock, {"numbers": Rate.window(5, 1.0)}, provider="vonage")
    bucket = budget.bucket("numbers")
    booked: list[float] = []
    reserve = bucket._reserve

    def recording(now: float) -> float:  # the schedule the limiter books, whichever thread asks
        start = reserve(now)
        booked.append(start)
        return start

    bucket._reserve = recording  # type: ignore[method-assign]
    threads = [threading.Thread(target=lambda: [budget.acquire("numbers") for _ in range(5)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    booked.sort()
    assert len(booked) == 20
    assert all(booked[i + 5] - booked[i] > 1.0 for i in range(len(booked) - 5))  # ≤5 in any second, together
    assert booked[-1] >= 3.0  # 20 calls at 5/s: the fourth second


def test_clients_of_one_account_share_budgets_and_other_accounts_do_not():
    clock = FakeClock()
    endpoints = {"vonage.api": "http://127.0.0.1:9/api", "vonage.rest": "http://127.0.0.1:9/rest"}
    one = vonage_connect({"api_key": "k1", "api_secret": "s"}, {}, endpoints, CallCounter(), clock)
    again = vonage_connect({"api_key": "k1", "api_secret": "other"}, {}, endpoints, CallCounter(), clock)
    other = vonage_connect({"api_key": "k2", "api_secret": "s"}, {}, endpoints, CallCounter(), clock)
    try:
        assert one.limits is again.limits and one.limits is not other.limits
        assert one.api.limits.bucket("applications") is again.api.limits.bucket("applications")
        assert one.rest.family == "numbers" and one.api.family == "applications"
    finally:
        for c in (one, again, other):
            c.close()


def test_a_budget_lives_while_a_client_holds_it_then_is_forgotten():
    clock = FakeClock()
    held = account("sinch", "project-1", {}, clock=clock)
    assert account("sinch", "project-1", {}, clock=clock) is held
    gone = weakref.ref(held)
    del held
    gc.collect()
    assert gone() is None  # an earlier run's lessons do not leak into the next one in this process


def test_the_account_key_is_a_digest_never_the_credential():
    digest = identity("https://xyz.api.infobip.com", "app", "super-secret-key")
    assert "super-secret" not in digest and len(digest) == 16
    assert digest == identity("https://xyz.api.infobip.com", "app", "super-secret-key")


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("5/s", {"*": Rate.window(5, 1)}, id="every family"),
        pytest.param(
            "applications=5/s, numbers=1/m", {"applications": Rate.window(5, 1), "numbers": Rate.window(1, 60)}
        ),
        pytest.param("create-2fa-application=20/10m", {"create-2fa-application": Rate.window(20, 600)}),
        pytest.param("off,conversation=100/s", {"*": None, "conversation": Rate.window(100, 1)}),
        pytest.param("0.5/s", {"*": Rate.window(1, 2)}, id="fractions become whole calls"),
        pytest.param("2.5/s", {"*": Rate.window(3, 1.2)}),
    ],
)
def test_overrides_syntax(text, expected):
    assert parse_overrides(text) == expected


def test_an_override_from_the_environment_replaces_the_published_limits():
    clock = FakeClock()
    rates = {"applications": None, "numbers": Rate.window(3, 1.0)}
    env = {"PROVISION_RATE_LIMIT_VONAGE": "applications=5/s"}
    configured = account("vonage", "acct-1", rates, clock=clock, env=env)
    assert configured.rates == {"applications": Rate.window(5, 1), "numbers": Rate.window(3, 1)}
    everything_off = account("vonage", "acct-1", rates, clock=clock, env={"PROVISION_RATE_LIMIT_VONAGE": "off"})
    assert everything_off.rates == {"applications": None, "numbers": None} and everything_off.default is None
    with pytest.raises(ProviderError, match=r"PROVISION_RATE_LIMIT_VONAGE: 'fast' is not a limit"):
        account("vonage", "acct-1", rates, clock=clock, env={"PROVISION_RATE_LIMIT_VONAGE": "fast"})
