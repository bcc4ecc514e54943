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
