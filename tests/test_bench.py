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


def test_report_judges_the_targets_from_the_figures_it_is_given():
    from bench.measure import Step
    from bench.report import merge_results, render

    steps = [
        Step("provision", 100, "create", 0.5, 40, 0, 25, 100, 100),
        Step("terraform", 100, "create", 0.4, 70, 0),  # slower than terraform here: missed
        Step("provision", 1000, "create", 2.0, 45, 0, 205, 1000, 1000),
        Step("terraform", 1000, "create", 8.0, 120, 0),  # faster, but only 4×: missed
        Step("provision", 1000, "plan-nochange", 0.6, 50, 0, 8, 0, 8),  # over 0.5 s: missed
        Step("provision", 10000, "plan-nochange", 2.0, 350, 0, 54, 0, 55),  # over 300 MB, reads off the bound
    ]
    data = merge_results(Path("/nonexistent/results.json"), "x", "test machine", {"all": steps})
    text = render(data)
    lines = text.splitlines()
    create_100 = next(line for line in lines if line.startswith("| create | 0.50 s"))
    create_1k = next(line for line in lines if line.startswith("| create | 2.00 s"))
    assert "missed (faster than terraform)" in create_100
    assert "met (≤ 3 s)" in create_1k and "missed (faster than terraform, ≥ 5×)" in create_1k
    assert "| plan-nochange | 0.60 s" in text and "missed (≤ 0.5 s)" in text
    assert "missed (≤ 3 s, ≤ 300 MB)" in text
    assert "| 10,000 | plan-nochange | 54 | 0 | 55 | no (54 vs 55) |" in text
    assert "| create | 5.00 | 2.00 | — |" in text  # ms per resource: the growth table
