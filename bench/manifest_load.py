"""Print how long loading a manifest of N generated resources takes (default 10,000).

    .venv/bin/python bench/manifest_load.py [N]

Half applications with voice webhooks, half numbers referencing them; one file, parse + interpolate +
validate + order. Not a test: a quick way to notice when the loader gets slower.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from provisioner.graph import dependency_order
from provisioner.manifest import load_manifest


def generate(n: int) -> str:
    lines = ["version: 1", "resources:"]
    for i in range(n // 2):
        lines += [
            f"  app-{i}:",
            "    type: vonage.application",
            "    properties:",
            f"      name: App {i}",
            "      capabilities:",
            "        voice:",
            "          webhooks:",
            "            answer_url: {address: https://example.com/answer, http_method: GET}",
            "            event_url: {address: https://example.com/event, http_method: POST}",
            f"  number-{i}:",
            "    type: vonage.number",
            "    properties:",
            "      country: GB",
            f'      msisdn: "{447700000000 + i}"',
            f"      app_id: ${{app-{i}.id}}",
            "    options:",
            "      ignore_changes: [mo_http_url]",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(generate(n))
        load_manifest([path])  # warm up: schema compilation, imports
        start = time.perf_counter()
        manifest = load_manifest([path])
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        dependency_order(manifest.resources)
        ordered = time.perf_counter() - start
    print(f"{len(manifest.resources)} resources: load {loaded:.3f}s, dependency_order {ordered:.3f}s")


if __name__ == "__main__":
    main()
