"""The benchmark's workload stays valid (it is not run here: timings belong to `make bench`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ lives beside the package, not in it

from bench.workload import Workload  # noqa: E402
from provisioner.manifest import load_manifest  # noqa: E402


def test_workload_manifests_are_valid_and_mix_every_provider(tmp_path):
    load = Workload(200)
    for name, text in {
        "all": load.manifest(),
        "changed": load.manifest(changed=True),
        "deleted": load.manifest(changed=True, deleted=True),
    }.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    full = load_manifest([tmp_path / "all.yaml"], env={}).resources
    assert len(full) == 200 and sum(load.counts().values()) == 200
    assert {r.kind.split(".")[0] for r in full.values()} == {"vonage", "sinch", "infobip"}
    changed = load_manifest([tmp_path / "changed.yaml"], env={}).resources
    differing = [n for n in full if full[n].properties != changed[n].properties]
    assert len(differing) == load.changes() == 20
    deleted = load_manifest([tmp_path / "deleted.yaml"], env={}).resources
    assert len(full) - len(deleted) == load.changes()


def test_read_bound_is_one_walk_per_kind_at_the_maximum_page_size():
    load = Workload(1000)
    # 300 apps / 100 + 200 numbers / 100 + 1 Sinch list + 150 / 1000 + 150 / 1000
    assert load.read_bound() == 3 + 2 + 1 + 1 + 1
