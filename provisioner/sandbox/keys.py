"""Server-side RSA key pairs handed out on application create.

Documented choice: keys come round-robin from a small pool (SandboxConfig.key_pool_size) generated once and
stored in SQLite, so key generation never dominates a benchmark. Several sandbox applications may therefore
share a key pair, which the real service would never do; nothing in the contract lets a client tell.
In-memory sandboxes in one process share one generated pool (tests start many servers).
"""

from __future__ import annotations

import itertools
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS key_pool (
    idx INTEGER PRIMARY KEY, private_pem TEXT NOT NULL, public_pem TEXT NOT NULL
);
"""

_process_pool: list[tuple[str, str]] = []
_process_lock = threading.Lock()


def generate_pair() -> tuple[str, str]:
    """(PKCS#8 private PEM, SubjectPublicKeyInfo public PEM), the formats the real API returns."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _process_pairs(n: int) -> list[tuple[str, str]]:
    with _process_lock:
        while len(_process_pool) < n:
            _process_pool.append(generate_pair())
        return _process_pool[:n]


class KeyPool:
    def __init__(self, store: Store, size: int) -> None:
        self._store = store
        self._size = max(1, size)
        self._pairs: list[tuple[str, str]] | None = None
        self._lock = threading.Lock()
        self._counter = itertools.count()
        store.ensure_schema(_SCHEMA)

    def warm(self) -> None:
        """Loads or generates the pool; called in a background thread at start-up."""
        self._load()

    def _load(self) -> list[tuple[str, str]]:
        with self._lock:
            if self._pairs is None:
                rows = self._store.all("SELECT private_pem, public_pem FROM key_pool ORDER BY idx")
                pairs = [(r["private_pem"], r["public_pem"]) for r in rows][: self._size]
                if len(pairs) < self._size:
                    missing = _process_pairs(self._size)[len(pairs) :]
                    with self._store.transaction() as conn:
                        for i, (priv, pub) in enumerate(missing, start=len(pairs)):
                            conn.execute(
                                "INSERT OR REPLACE INTO key_pool(idx, private_pem, public_pem) "
                                "VALUES (?, ?, ?)",
                                (i, priv, pub),
                            )
                    pairs += missing
                self._pairs = pairs
            return self._pairs

    def next_pair(self) -> tuple[str, str]:
        pairs = self._load()
        return pairs[next(self._counter) % len(pairs)]
