"""The benchmark's workload: N resources spread over kinds of all three providers, and the
minimal number of read calls a no-change plan of them needs.

The mix uses kinds whose create is one synchronous write, so "write calls = changes" is exact
(kinds with async review or forced extra calls are measured by the test suite, not here):

    30% vonage.application      list page 100  (/v2/applications)
    20% vonage.number           list page 100  (/account/numbers), bought unlinked: 1 POST each
    20% sinch.conversation_app  one unpaginated list per region (/v1/projects/{p}/apps)
    15% infobip.application     list page 1000 (/provisioning/1/applications)
    15% infobip.entity          list page 1000 (/provisioning/1/entities)

The 10% change edits the name of every 10th resource that has one (numbers have none: their
10th gets an SMS webhook instead); the 10% delete drops every 10th resource with
``on_delete: delete``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from provisioner.providers.infobip.client import PROVISIONING_PAGE_SIZE
from provisioner.providers.vonage.client import APP_PAGE_SIZE, NUMBER_PAGE_SIZE
from provisioner.sandbox import inventory

SHARES = (
    ("vonage.application", 0.30),
    ("vonage.number", 0.20),
    ("sinch.conversation_app", 0.20),
    ("infobip.application", 0.15),
    ("infobip.entity", 0.15),
)
PAGE_SIZE = {
    "vonage.application": APP_PAGE_SIZE,
    "vonage.number": NUMBER_PAGE_SIZE,
    "sinch.conversation_app": None,  # not paginated: one call lists them all
    "infobip.application": PROVISIONING_PAGE_SIZE,
    "infobip.entity": PROVISIONING_PAGE_SIZE,
}
SMS_BEARER = "{claimed_identity: plan-%d, token: t}"
NUMBER_COUNTRIES = ("GB", "US", "DE", "NL", "SE", "FR")


@dataclass(frozen=True)
class Workload:
    n: int

    def counts(self) -> dict[str, int]:
        out = {kind: int(self.n * share) for kind, share in SHARES}
        out[SHARES[0][0]] += self.n - sum(out.values())
        return out

    def manifest(self, *, changed: bool = False, deleted: bool = False) -> str:
        lines = ["version: 1", "resources:"]
        for i, (kind, name, props) in enumerate(self._resources(changed)):
            if deleted and i % 10 == 0:
                continue
            lines += [f"  {name}:", f"    type: {kind}", "    properties:"]
            lines += [f"      {k}: {v}" for k, v in props.items()]
            lines += ["    options: {on_delete: delete}"]
        return "\n".join(lines) + "\n"

    def _resources(self, changed: bool) -> Iterator[tuple[str, str, dict[str, str]]]:
        counts = self.counts()
        numbers = self._numbers(counts["vonage.number"])
        i = 0
        for kind, count in counts.items():
            for j in range(count):
                edit = changed and i % 10 == 0
                name = f"{kind.replace('.', '-').replace('_', '-')}-{j}"
                label = f'"Bench {name}{" v2" if edit else ""}"'
                if kind == "vonage.number":
                    country, msisdn = numbers[j]
                    props = {"country": country, "msisdn": f'"{msisdn}"'}
                    if edit:
                        props["mo_http_url"] = "https://bench.example.com/sms"
                elif kind == "sinch.conversation_app":
                    props = {
                        "display_name": label,
                        "channel_credentials": f"[{{channel: SMS, static_bearer: {SMS_BEARER % j}}}]",
                    }
                elif kind.startswith("infobip."):  # applications and entities: the id is ours
                    props = {"id": name, "name": label}
                else:
                    props = {"name": label}
                yield kind, name, props
                i += 1

    @staticmethod
    def _numbers(count: int) -> list[tuple[str, str]]:
        per_country = math.ceil(count / len(NUMBER_COUNTRIES))
        pool = [(c, n.msisdn) for c in NUMBER_COUNTRIES for n in inventory.generate(c, per_country)]
        return pool[:count]

    def changes(self) -> int:
        return sum(1 for i in range(self.n) if i % 10 == 0)

    def read_bound(self, live: dict[str, int] | None = None) -> int:
        """Σ over kinds ⌈live objects / max page size⌉ (at least one call per kind listed)."""
        live = live or self.counts()
        total = 0
        for kind, count in live.items():
            size = PAGE_SIZE[kind]
            total += 1 if size is None else max(1, math.ceil(count / size))
        return total
