"""Deterministic inventory of numbers on offer through GET /numbers/1/numbers/available (infobip.md §2).

Each country has a few blocks of numbers (E.164 digits, no `+`, as Infobip writes them); number i of a country comes
from block i % len(blocks), suffix i // len(blocks), so a bigger inventory extends a smaller one. Capabilities come
from an RNG seeded with the number, prices from the block. The numberKey is derived from the number (32 uppercase
hex chars of a SHA-256), so it is the same on every run and after a cancel. Availability is not stored: a number is
available while it is in the inventory and no account owns it (infobip_data NUMBER rows).
Prefixes are mostly from ranges regulators reserve for fiction (NANP 555, Ofcom drama, PTS).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import lru_cache

MOBILE, LANDLINE = "mobile", "landline"


@dataclass(frozen=True)
class Block:
    prefix: str
    width: int  # digits appended to the prefix
    kind: str
    network: str
    monthly: float  # EUR
    setup: float


COUNTRIES: dict[str, tuple[str, tuple[Block, ...]]] = {
    "US": (
        "United States",
        (
            Block("1201555", 4, MOBILE, "Sandbox Wireless US", 1.0, 0.0),
            Block("1415555", 4, MOBILE, "Sandbox Wireless US", 1.0, 0.0),
            Block("1212555", 4, LANDLINE, "Sandbox Telco US", 1.0, 0.0),
        ),
    ),
    "GB": (
        "United Kingdom",
        (
            Block("4477009", 5, MOBILE, "Sandbox Mobile UK", 5.0, 0.0),
            Block("44207946", 4, LANDLINE, "Sandbox Fixed UK", 3.0, 0.0),
        ),
    ),
    "DE": (
        "Germany",
        (
            Block("4915790", 4, MOBILE, "Sandbox Mobilfunk DE", 8.0, 5.0),
            Block("493098", 5, LANDLINE, "Sandbox DE", 4.0, 5.0),
        ),
    ),
    "SE": ("Sweden", (Block("4670174", 4, MOBILE, "Sandbox Mobil SE", 6.0, 0.0),)),
    "HR": ("Croatia", (Block("38591555", 4, MOBILE, "Sandbox Mobile HR", 4.0, 0.0),)),
    "NL": ("Netherlands", (Block("3197010", 5, MOBILE, "Sandbox Mobiel NL", 5.0, 0.0),)),
}
US_STATES = {"201": "NJ", "415": "CA", "212": "NY"}


@dataclass(frozen=True)
class Available:
    number: str
    country: str
    block: Block
    capabilities: tuple[str, ...]

    @property
    def key(self) -> str:
        return number_key(self.number)

    @property
    def npa(self) -> str | None:
        return self.number[1:4] if self.country == "US" else None

    @property
    def nxx(self) -> str | None:
        return self.number[4:7] if self.country == "US" else None

    @property
    def state(self) -> str | None:
        return US_STATES.get(self.npa or "")

    def price(self) -> dict:
        b = self.block
        return {
            "pricePerMonth": _num(b.monthly),
            "setupPrice": _num(b.setup),
            "initialMonthPrice": _num(b.monthly),
            "currency": "EUR",
        }

    def wire(self) -> dict:
        """As GET /numbers/1/numbers/available lists it."""
        return {
            "numberKey": self.key,
            "number": self.number,
            "country": self.country,
            "type": "VIRTUAL_LONG_NUMBER",
            "capabilities": list(self.capabilities),
            "shared": False,
            "price": self.price(),
        }


def _num(value: float) -> float | int:
    """5 rather than 5.0, as the spec's examples write whole prices."""
    return int(value) if float(value).is_integer() else value


def number_key(number: str) -> str:
    return hashlib.sha256(f"infobip-sandbox-number:{number}".encode()).hexdigest()[:32].upper()


def _capabilities(number: str, country: str, kind: str) -> tuple[str, ...]:
    roll = random.Random(f"infobip-sandbox-caps:{number}").random()  # str seeds are stable across runs
    if kind == LANDLINE:
        return ("SMS", "VOICE") if roll < 0.3 else ("VOICE",)
    if country == "US" and roll < 0.3:
        return ("SMS", "VOICE", "MMS")
    if roll < 0.8:
        return ("SMS", "VOICE")
    if roll < 0.9:
        return ("SMS",)
    return ("SMS", "VOICE", "WHATSAPP")


@lru_cache(maxsize=32)
def country_numbers(country: str, size: int) -> tuple[Available, ...]:
    entry = COUNTRIES.get(country)
    if entry is None:
        return ()
    blocks = entry[1]
    out = []
    for i in range(size):
        block = blocks[i % len(blocks)]
        suffix = i // len(blocks)
        if suffix >= 10**block.width:
            break
        number = block.prefix + str(suffix).zfill(block.width)
        out.append(Available(number, country, block, _capabilities(number, country, block.kind)))
    return tuple(out)


@lru_cache(maxsize=8)
def _index(size: int) -> tuple[dict[str, Available], dict[str, Available]]:
    by_key, by_number = {}, {}
    for country in COUNTRIES:
        for avail in country_numbers(country, size):
            by_key[avail.key] = avail
            by_number[avail.number] = avail
    return by_key, by_number


def by_key(key: str, size: int) -> Available | None:
    return _index(size)[0].get(key)


def by_number(number: str, size: int) -> Available | None:
    return _index(size)[1].get(number.lstrip("+"))


def country_name(country: str) -> str:
    entry = COUNTRIES.get(country)
    return entry[0] if entry else country


def country_of(number: str) -> str | None:
    """Best-effort ISO2 of an arbitrary number (admin-given numbers), from the inventory's prefixes."""
    digits = number.lstrip("+")
    best = None
    for country, (_, blocks) in COUNTRIES.items():
        for block in blocks:
            for n in range(len(block.prefix), 0, -1):
                if digits.startswith(block.prefix[:n]) and (best is None or n > best[1]):
                    best = (country, n)
                    break
    return best[0] if best and best[1] >= 2 else None
