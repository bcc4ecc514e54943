"""``.provisionignore``: known drift a team has decided to live with, for now.

The file sits beside the manifest (the manifest's base directory). One rule per line::

    # <target> [<field>] [expires=YYYY-MM-DD] [reason="..."] [owner=...]
    support-app  capabilities.voice.webhooks.answer_url.address  expires=2026-12-31 reason="vendor cut-over"
    number-*     mo_http_url                                    owner=telephony
    vonage.application:*                     reason="legacy apps owned by the web team"
    !number-uk-main

* ``target`` is a resource name (globs: ``number-*``) or ``TYPE:ID`` (globs too:
  ``vonage.application:*``, ``vonage.number:GB:4477*``), which also matches unmanaged objects.
* ``field`` (optional) is a property path glob; without it the rule covers the whole resource:
  every drifted field, and the object being missing or unmanaged.
* ``expires`` makes the rule a waiver: from that date on it silences nothing, and reports list it
  as expired so someone decides again. ``reason`` and ``owner`` are shown wherever it applies.
* ``!`` re-includes what an earlier rule silenced; the last matching rule wins (as in .gitignore).

A rule silences *drift*: drift reports list the item as ignored (with the rule), and plans leave
drift-only field changes alone, noting why. A change made in the manifest is never ignored.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from .errors import Issue, ManifestError

FILENAME = ".provisionignore"
_KEYS = ("expires", "reason", "owner")


@dataclass(frozen=True)
class IgnoreRule:
    target: str
    field: str | None
    source: str  # "path:line"
    negate: bool = False
    expires: date | None = None
    reason: str = ""
    owner: str = ""

    @property
    def text(self) -> str:
        return ("!" if self.negate else "") + self.target + (f" {self.field}" if self.field else "")

    def matches_object(self, name: str | None, kind: str, object_id: str | None) -> bool:
        if ":" in self.target and "." in self.target.split(":", 1)[0]:
            want_kind, want_id = self.target.split(":", 1)
            return fnmatchcase(kind, want_kind) and object_id is not None and fnmatchcase(object_id, want_id)
        return name is not None and fnmatchcase(name, self.target)

    def matches_field(self, path: str | None) -> bool:
        if self.field is None:
            return True
        if path is None:
            return False
        return fnmatchcase(path, self.field) or path.startswith(self.field + ".")

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.text,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": self.source,
        }


@dataclass
class IgnoreSet:
    rules: list[IgnoreRule] = field(default_factory=list)  # in force
    expired: list[IgnoreRule] = field(default_factory=list)  # past their date: silence nothing

    def match(self, name: str | None, kind: str, object_id: str | None, path: str | None = None) -> IgnoreRule | None:
        """The rule silencing this object (``path`` None) or this field of it, if any."""
        found: IgnoreRule | None = None
        for rule in self.rules:
            if rule.matches_object(name, kind, object_id) and rule.matches_field(path):
                found = None if rule.negate else rule
        return found

    def __bool__(self) -> bool:
        return bool(self.rules or self.expired)


def load_ignores(base_dir: Path, today: date | None = None) -> IgnoreSet:
    """The rules of ``base_dir/.provisionignore`` (none if there is no such file). Bad lines are
    reported together, with file and line, before any API call."""
    path = base_dir / FILENAME
    try:
        text = path.read_text()
    except FileNotFoundError:
        return IgnoreSet()
    except OSError as exc:
        raise ManifestError([Issue(f"cannot read {FILENAME}: {exc.strerror}", str(path))]) from exc
    today = today or datetime.now(UTC).date()
    result, issues = IgnoreSet(), []
    for lineno, line in enumerate(text.splitlines(), 1):
        try:
            rule = _parse(line, f"{path}:{lineno}")
        except ValueError as exc:
            issues.append(Issue(f"{exc}", str(path), lineno, 1, FILENAME))
            continue
        if rule is None:
            continue
        (result.expired if rule.expires is not None and rule.expires < today else result.rules).append(rule)
    if issues:
        raise ManifestError(issues)
    return result


def _parse(line: str, source: str) -> IgnoreRule | None:
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise ValueError(f'cannot read this rule ({exc}); quote values with spaces: reason="..."') from exc
    if not words:
        return None
    positional = [w for w in words if "=" not in w]
    options = dict(w.split("=", 1) for w in words if "=" in w)
    unknown = sorted(set(options) - set(_KEYS))
    if unknown:
        raise ValueError(f'unknown option "{unknown[0]}"; a rule takes expires=YYYY-MM-DD, reason="..." and owner=...')
    if len(positional) > 2:
        raise ValueError(
            f'too many words ("{positional[2]}"); a rule is <target> [<field>] [expires=...] [reason="..."]'
        )
    target = positional[0] if positional else ""
    negate = target.startswith("!")
    target = target[1:] if negate else target
    if not target:
        raise ValueError("a rule needs a target: a resource name (globs allowed) or TYPE:ID")
    expires = None
    if "expires" in options:
        try:
            expires = date.fromisoformat(options["expires"])
        except ValueError as exc:
            raise ValueError(f'expires "{options["expires"]}" is not a date; write expires=YYYY-MM-DD') from exc
    return IgnoreRule(
        target=target,
        field=positional[1] if len(positional) > 1 else None,
        source=source,
        negate=negate,
        expires=expires,
        reason=options.get("reason", ""),
        owner=options.get("owner", ""),
    )
