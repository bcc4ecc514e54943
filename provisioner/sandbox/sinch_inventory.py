"""Deterministic inventory of numbers the Sinch Numbers API offers (sinch.md §3.1-§3.2).

Each (region, type) has one block of E.164 numbers handed out in order: number i of a block is the block prefix
plus i, zero-padded, so a bigger inventory extends a smaller one. Capabilities come from an RNG seeded with the
block, so they are the same on every run. Availability is not stored: a number is available while it is in the
inventory and no project holds it (sinch_data NUMBER rows). US LOCAL is the first block: +12015550000, ...
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

MOBILE, LOCAL, TOLL_FREE = "MOBILE", "LOCAL", "TOLL_FREE"
TYPES = (MOBILE, LOCAL, TOLL_FREE)
CAPABILITIES = ("SMS", "VOICE")


@dataclass(frozen=True)
class Block:
    region: str
    type: str
    prefix: str  # +E164 prefix
    width: int  # digits appended
    currency: str
    setup: str
    monthly: str
    docs_required: bool  # supportingDocumentationRequired: the region/type needs KYC

    @property
    def capacity(self) -> int:
        return 10**self.width


# Mostly ranges regulators reserve for fiction (NANP 555-01xx style, Ofcom drama, ACMA, PTS); prices plausible.
BLOCKS = (
    Block("US", LOCAL, "+1201555", 4, "USD", "0.00", "2.00", False),
    Block("US", TOLL_FREE, "+1800555", 4, "USD", "0.00", "2.50", False),
    Block("CA", LOCAL, "+1416555", 4, "USD", "0.00", "2.00", True),
    Block("GB", MOBILE, "+447700900", 3, "EUR", "0.00", "0.80", True),
    Block("GB", LOCAL, "+44207946", 4, "EUR", "0.00", "1.00", True),
    Block("SE", MOBILE, "+4670174", 4, "EUR", "0.00", "0.80", True),
    Block("SE", LOCAL, "+4665055", 4, "EUR", "0.57", "0.80", True),
    Block("AU", MOBILE, "+61491570", 3, "USD", "1.00", "1.00", True),
    Block("DE", MOBILE, "+4915790", 4, "EUR", "0.00", "1.20", True),
)

REGION_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "SE": "Sweden",
    "AU": "Australia",
    "DE": "Germany",
}


@dataclass(frozen=True)
class Available:
    phone: str
    block: Block
    capability: tuple[str, ...]

    def wire(self) -> dict:
        b = self.block
        return {
            "phoneNumber": self.phone,
            "regionCode": b.region,
            "type": b.type,
            "capability": list(self.capability),
            "setupPrice": {"currencyCode": b.currency, "amount": b.setup},
            "monthlyPrice": {"currencyCode": b.currency, "amount": b.monthly},
            "paymentIntervalMonths": 1,
            "supportingDocumentationRequired": b.docs_required,
        }


def _capability(rng: random.Random, kind: str) -> tuple[str, ...]:
    roll = rng.random()
    if kind == TOLL_FREE:
        return ("SMS", "VOICE") if roll < 0.5 else ("VOICE",)
    if roll < 0.8:
        return ("SMS", "VOICE")
    return ("SMS",) if roll < 0.9 else ("VOICE",)


@lru_cache(maxsize=64)
def block_numbers(block: Block, size: int) -> tuple[Available, ...]:
    rng = random.Random(f"provisioner-sandbox-sinch:{block.region}:{block.type}")  # stable across runs
    count = min(size, block.capacity)
    return tuple(
        Available(block.prefix + str(i).zfill(block.width), block, _capability(rng, block.type)) for i in range(count)
    )


def numbers(region: str, kind: str, size: int) -> tuple[Available, ...]:
    out: tuple[Available, ...] = ()
    for block in BLOCKS:
        if block.region == region and block.type == kind:
            out += block_numbers(block, size)
    return out


def lookup(phone: str, size: int) -> Available | None:
    for block in BLOCKS:
        suffix = phone[len(block.prefix) :]
        if phone.startswith(block.prefix) and len(suffix) == block.width and suffix.isdigit():
            index = int(suffix)
            if index < min(size, block.capacity):
                return block_numbers(block, size)[index]
    return None


def regions() -> dict[str, list[str]]:
    """regionCode -> number types on offer, in TYPES order."""
    out: dict[str, list[str]] = {}
    for block in BLOCKS:
        out.setdefault(block.region, [])
    for region, kinds in out.items():
        kinds.extend(t for t in TYPES if any(b.region == region and b.type == t for b in BLOCKS))
    return out
