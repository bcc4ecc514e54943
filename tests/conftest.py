"""Shared fixtures: a real sandbox on 127.0.0.1 and helpers to run the real CLI against it.

Nothing is mocked: the engine talks HTTP to the sandbox, and CLI tests run `python -m provisioner`
as a subprocess so exit codes, stdout and stderr are exactly what a user sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Project, Sandbox

from provisioner.sandbox import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxConfig(inventory_size=300))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    """A clean fake account for each test (reset wipes accounts, faults and the request log)."""
    sb = Sandbox(_sandbox_server)
    sb.admin_call("POST", "/_sandbox/reset")
    yield sb


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> Project:
    return Project(tmp_path, sandbox)
