"""The one error tree of provisioner.

Every error the library raises on purpose is a ``ProvisionerError``. ``cli.py`` maps them to exit
codes in one place (``exit_code`` below); nothing else decides how the process ends.

    ProvisionerError                      exit 1
    ├── ManifestError (issues)            bad input: file:line:column, resource, field, what to do
    ├── StateError                        unreadable state, unknown version, bad state command
    │   └── StateLockedError (holder)     another run holds the lock; names host, pid, user, command
    ├── PlanError (refusals)              the plan refuses: protected or non-fungible objects, cycles
    ├── ProviderError (provider)          a provider answered with an error
    │   ├── ProviderAuthError             401/403: credentials rejected
    │   └── ProviderAPIError (status, method, url, detail)
    ├── ApplyError (results)              some changes failed; ``results`` says exactly what landed
    │   └── ApplyInterrupted              exit 130: stopped by a signal; what landed is recorded
    └── WaitTimeoutError (address)        an async operation did not converge in time
    UsageError                            exit 64: the command line itself is wrong

Messages read ``cannot <verb> <resource>: <cause>`` followed by what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class ProvisionerError(Exception):
    """Root of every error provisioner raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Issue:
    """One problem found in the input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None  # e.g. "support-app.properties.capabilities.voice"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class ManifestError(ProvisionerError):
    """The manifest cannot be used. Carries every issue found, not just the first."""

    def __init__(self, issues: Sequence[Issue] | Issue | str) -> None:
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class StateError(ProvisionerError):
    """The state cannot be read, written, or changed as asked."""


class StateLockedError(StateError):
    """Another run holds the state lock."""

    def __init__(self, message: str, holder: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


class PlanError(ProvisionerError):
    """The plan refuses to go ahead (protected or non-fungible objects, dependency cycles)."""

    def __init__(self, message: str, refusals: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.refusals = list(refusals)


class ProviderError(ProvisionerError):
    """A provider API answered with an error or could not be reached."""

    def __init__(self, message: str, provider: str = "") -> None:
        super().__init__(message)
        self.provider = provider


class ProviderAuthError(ProviderError):
    """The provider rejected the credentials (401/403)."""


class ProviderAPIError(ProviderError):
    """A provider call failed; carries the HTTP facts without any credential."""

    def __init__(
        self,
        message: str,
        provider: str = "",
        *,
        status: int | None = None,
        method: str = "",
        url: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(message, provider)
        self.status = status
        self.method = method
        self.url = url
        self.detail = detail


class ApplyError(ProvisionerError):
    """An apply finished with failures. ``results`` lists what landed and what did not."""

    def __init__(self, message: str, results: Any = None) -> None:
        super().__init__(message)
        self.results = results


class ApplyInterrupted(ApplyError):
    """An apply stopped by SIGINT/SIGTERM after its in-flight calls finished and were recorded."""

    exit_code = 130


class WaitTimeoutError(ProvisionerError):
    """An asynchronous operation did not become ready within its timeout."""

    def __init__(self, message: str, address: str = "", last_status: str = "") -> None:
        super().__init__(message)
        self.address = address
        self.last_status = last_status


class UsageError(ProvisionerError):
    """The command line is wrong (never confused with 'changes pending')."""

    exit_code = 64


def exit_code(exc: BaseException) -> int:
    """The process exit code for an error: the single mapping used by the CLI."""
    if isinstance(exc, ProvisionerError):
        return exc.exit_code
    return 1
