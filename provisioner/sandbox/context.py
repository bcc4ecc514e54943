"""Shared state of one sandbox instance, handed to every service and to the admin API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .clock import Clock
from .config import API_NAMES, SandboxConfig
from .faults import Faults, RateLimits
from .keys import KeyPool
from .store import Store


@dataclass
class Context:
    config: SandboxConfig
    store: Store
    clock: Clock
    keys: KeyPool
    faults: Faults
    rate_limits: RateLimits
    endpoints: dict[str, str] = field(default_factory=dict)
    _reset_hooks: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(cls, config: SandboxConfig) -> Context:
        store = Store(config.data_dir)
        ctx = cls(
            config,
            store,
            Clock(store),
            KeyPool(store, config.key_pool_size),
            Faults(API_NAMES),
            RateLimits(API_NAMES),
        )
        ctx.apply_initial_rules()
        return ctx

    def apply_initial_rules(self) -> None:
        for rule in self.config.faults:
            self.faults.set(rule)
        for limit in self.config.rate_limits:
            self.rate_limits.set(limit)

    def on_reset(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        """Back to a fresh start with the same config: no data, empty log, clock offset 0, initial rules."""
        self.store.wipe()
        self.faults.clear()
        self.rate_limits.clear()
        self.apply_initial_rules()
        for hook in self._reset_hooks:
            hook()
