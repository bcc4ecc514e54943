"""Deterministic inventory of available phone numbers per country.

Number i of a country is a pure function of (country, i): a per-country seeded RNG picks the number block
(type) and the features, and each block hands out its suffixes in order. Hence a bigger inventory is a strict
superset of a smaller one, and the first GB mobiles are the Ofcom drama range 447700900000, 447700900001, ...
Prefixes are real-looking, mostly from the ranges regulators reserve for fiction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

MOBILE, LANDLINE, TOLL_FREE = "mobile-lvn", "landline", "landline-toll-free"
FEATURE_ORDER = ("VOICE", "SMS", "MMS")  # order used when listing a number's features (spec example order)


@dataclass(frozen=True)
class Block:
    prefix: str
    width: int  # digits appended to the prefix
    type: str
    weight: int  # relative share of the inventory

    @property
    def capacity(self) -> int:
        return 10**self.width


@dataclass(frozen=True)
class Number:
    country: str
    msisdn: str
    type: str
    features: tuple[str, ...]
    cost: str  # EUR per month, string as on the wire
    initial_price: str  # EUR set-up fee


COUNTRY_BLOCKS: dict[str, tuple[Block, ...]] = {
    "GB": (
        Block("4477009", 5, MOBILE, 6),
        Block("44207946", 4, LANDLINE, 3),
        Block("44808157", 4, TOLL_FREE, 1),
    ),
    "US": (
        Block("1201555", 4, MOBILE, 4),
        Block("1415555", 4, MOBILE, 2),
        Block("1212555", 4, LANDLINE, 3),
        Block("1800555", 4, TOLL_FREE, 1),
    ),
    "CA": (
        Block("1416555", 4, MOBILE, 6),
        Block("1604555", 4, LANDLINE, 3),
        Block("1888555", 4, TOLL_FREE, 1),
    ),
    "DE": (Block("4915790", 6, MOBILE, 6), Block("493098", 6, LANDLINE, 3), Block("49800", 7, TOLL_FREE, 1)),
    "FR": (
        Block("3363998", 4, MOBILE, 3),
        Block("3370000", 4, MOBILE, 3),
        Block("3319900", 4, LANDLINE, 3),
        Block("33800", 6, TOLL_FREE, 1),
    ),
    "ES": (Block("34600", 6, MOBILE, 6), Block("3491", 7, LANDLINE, 3), Block("34900", 6, TOLL_FREE, 1)),
    "NL": (Block("31612", 6, MOBILE, 6), Block("3120", 7, LANDLINE, 3), Block("31800", 6, TOLL_FREE, 1)),
    "IE": (Block("35385", 7, MOBILE, 6), Block("3531", 7, LANDLINE, 3), Block("3531800", 6, TOLL_FREE, 1)),
    "AU": (Block("614915", 5, MOBILE, 6), Block("612555", 5, LANDLINE, 3), Block("611800", 6, TOLL_FREE, 1)),
    "SE": (Block("46701", 6, MOBILE, 6), Block("4685", 7, LANDLINE, 3), Block("4620", 7, TOLL_FREE, 1)),
}

# (cost, initialPrice) per type; a few countries are dearer. Plausible figures, not a price list.
_PRICES = {MOBILE: ("0.90", "0.00"), LANDLINE: ("0.75", "0.00"), TOLL_FREE: ("5.50", "10.00")}
_PRICE_FACTOR = {"DE": 1.5, "FR": 1.2, "AU": 1.4, "SE": 1.3, "IE": 1.1}

_MMS_COUNTRIES = frozenset({"US", "CA"})


def _features(rng: random.Random, country: str, kind: str) -> tuple[str, ...]:
    roll = rng.random()
    if kind == MOBILE:
        if country in _MMS_COUNTRIES and roll < 0.3:
            chosen = {"SMS", "VOICE", "MMS"}
        elif roll < 0.85:
            chosen = {"SMS", "VOICE"}
        elif roll < 0.95:
            chosen = {"SMS"}
        else:
            chosen = {"VOICE"}
    elif kind == LANDLINE:
        chosen = {"VOICE", "SMS"} if roll < 0.3 else {"VOICE"}
    else:
        chosen = {"VOICE", "SMS"} if country in _MMS_COUNTRIES and roll < 0.5 else {"VOICE"}
    return tuple(f for f in FEATURE_ORDER if f in chosen)


def _price(country: str, kind: str) -> tuple[str, str]:
    factor = _PRICE_FACTOR.get(country, 1.0)
    cost, initial = _PRICES[kind]
    return f"{float(cost) * factor:.2f}", f"{float(initial) * factor:.2f}"


def features_key(features) -> str:
    """Canonical form of a feature set, e.g. 'VOICE,SMS'."""
    wanted = {f.strip().upper() for f in features if f.strip()}
    return ",".join(f for f in FEATURE_ORDER if f in wanted)


def countries() -> list[str]:
    return sorted(COUNTRY_BLOCKS)


@lru_cache(maxsize=64)  # resets and restarts regenerate the same inventory
def generate(country: str, size: int) -> tuple[Number, ...]:
    """The first `size` numbers of a country's inventory (fewer only if its blocks run out)."""
    blocks = COUNTRY_BLOCKS.get(country.upper())
    if not blocks:
        return ()
    country = country.upper()
    rng = random.Random(f"provisioner-sandbox-inventory:{country}")  # str seeds are stable across runs
    used = [0] * len(blocks)
    out: list[Number] = []
    while len(out) < size:
        open_blocks = [i for i, b in enumerate(blocks) if used[i] < b.capacity]
        if not open_blocks:
            break
        i = rng.choices(open_blocks, weights=[blocks[j].weight for j in open_blocks])[0]
        block = blocks[i]
        msisdn = block.prefix + str(used[i]).zfill(block.width)
        used[i] += 1
        cost, initial = _price(country, block.type)
        out.append(Number(country, msisdn, block.type, _features(rng, country, block.type), cost, initial))
    return tuple(out)
