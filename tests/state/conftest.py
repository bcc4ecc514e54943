from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.state import LocalState


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / ".provision"


@pytest.fixture
def state(state_dir: Path) -> LocalState:
    return LocalState(state_dir)


# ------------------------------------------------------------------------------ PostgreSQL
_pg_counter = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def pg():
    """A throwaway PostgreSQL server for the session (tests/pg.py). Skipped when none can be
    started, unless PROVISION_REQUIRE_POSTGRES=1 (CI), where that is a failure."""
    import os

    import pg as harness

    try:
        server = harness.start()
    except harness.Unavailable as e:
        if os.environ.get(harness.REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL is required ({harness.REQUIRE_ENV}=1) but cannot be started: {e}")
        pytest.skip(f"no PostgreSQL to test against: {e}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg) -> str:
    """A URL for a state of its own: a fresh schema per test, so tests never see each other."""
    return pg.url(schema=f"t{next(_pg_counter)}")
