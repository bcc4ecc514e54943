"""Plan and drift documents as one GitHub pull-request comment (GitHub-flavoured Markdown).

Pure functions of the published JSON documents (``render.plan_json``, ``drift.drift_json``): plain
dicts in, one string out, no I/O, no internal objects. Fields added after format_version 1
(``risks``, ``provider``, ``plan_id``, ``targets``, ``moved``, ``policy``, ``ignored_by``,
``expired_ignores``) are read with ``.get()`` and defaults, so older documents render too.

Output contract:

* The comment never exceeds ``max_chars`` characters (GitHub's limit is 65,536). When the full
  rendering is longer, whole blocks (one resource, one folded group, one list line) are dropped
  from the end and a truncation note says how many are not shown and where the full document is.
  The headline, risk flags, summary table and footer are always kept (their lists are capped so
  they stay small); only a budget too small even for them shortens them.
* Markup is never cut: every ``<details>`` is closed, tables are whole, and user text (names,
  ids, values, notes, messages) is escaped for its context — HTML entities inside ``<summary>``,
  code spans in tables (``|`` escaped), backslash escapes in prose, newlines shown as ``⏎``, and
  ``@`` defused so a name never pings a GitHub user or team.
* Secrets cannot appear: a ``fp:`` value (or any value flagged sensitive) is shown only as
  ``(sensitive, fp 3f9a1c2d…)``.
* Identical changes are folded: the same (type, path, old, new) on ``FOLD_MIN`` or more resources
  is one line with the names in a collapsible list, and resources with nothing else to show are not
  listed again; likewise ``FOLD_MIN`` or more identical field-less actions (e.g. 500 numbers to
  buy). Drift is shown *expected → live*, planned changes *current → planned*.
* Blocks are ordered by risk (refused, failed, destructive first), so truncation drops the least
  risky ones.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

FOLD_MIN = 3  # identical changes on this many resources become one folded line
MAX_LISTED = 10  # names per risk flag / target list: keeps the always-kept part small
MAX_FOLD_NAMES = 200  # names inside one folded group
MAX_ROWS = 50  # field rows per resource
MAX_VALUE = 200  # characters per displayed value or identifier
MAX_TEXT = 500  # characters per note, refusal or message
GITHUB_LIMIT = 65000  # a little under GitHub's 65,536 so a caller can add a marker line

Item = Mapping[str, Any]
_ACTIONS = ("create", "update", "replace", "delete", "import")
_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "import": "<=", "noop": " "}
_RISKS = {  # flag -> (label, marker); the order of the risk section
    "release": ("Phone numbers released", "⚠️ "),
    "delete": ("Deleted", "⚠️ "),
    "replace": ("Replaced (deleted, then created again)", "⚠️ "),
    "re_review": ("Templates sent back to review", "⚠️ "),
    "secret_rotated": ("Secrets rotated", ""),
    "disable": ("Disabled (the API has no delete)", ""),
    "forget": ("Forgotten (left in the account, no longer managed)", ""),
}
_SHORT_RISK = {"re_review": "re-review", "secret_rotated": "secret rotated"}


# ---------------------------------------------------------------- escaping
def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _oneline(text: Any, limit: int = MAX_TEXT) -> str:
    flat = "" if text is None else str(text)
    return _clip(flat.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎"), limit).replace("@", "@\u200b")


def _h(text: Any, limit: int = MAX_TEXT) -> str:
    """Text in raw HTML (``<summary>``): markdown is not parsed there, entities are."""
    return html.escape(_oneline(text, limit), quote=True)


_MD_ESCAPE = {ch: "\\" + ch for ch in "\\`*_[]|~$"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _md(text: Any, limit: int = MAX_TEXT) -> str:
    """Prose, never at the start of a line: inline metacharacters escaped, HTML as entities."""
    return "".join(_MD_ESCAPE.get(ch, ch) for ch in _oneline(text, limit))


def _code(text: Any, cell: bool = False) -> str:
    """A code span. In a table cell ``|`` must be escaped (GFM splits cells first); elsewhere not."""
    body = _oneline(text, MAX_VALUE)
    if cell:
        body = body.replace("|", "\\|")
    longest = run = 0
    for ch in body:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _hcode(text: Any) -> str:
    return f"<code>{_h(text, MAX_VALUE)}</code>"


# ---------------------------------------------------------------- values
def _value(v: Any, sensitive: bool = False) -> tuple[str, bool]:
    """(display text, is_literal): literals go in code, placeholders such as (none) in italics."""
    if isinstance(v, str) and v.startswith("fp:"):
        return f"(sensitive, fp {v[3:11]}…)", False
    if sensitive and v is not None:
        return "(sensitive)", False  # flagged sensitive but not a fingerprint: never shown
    if isinstance(v, dict) and v.get("unknown") is True and len(v) == 1:
        return "(known after apply)", False
    if v is None:
        return "(none)", False
    return _clip(json.dumps(v, ensure_ascii=False, default=str), MAX_VALUE), True


def _vcell(v: Any, sensitive: bool = False) -> str:
    text, literal = _value(v, sensitive)
    return _code(text, cell=True) if literal else f"*{_md(text)}*"


def _vhtml(v: Any, sensitive: bool = False) -> str:
    text, literal = _value(v, sensitive)
    return _hcode(text) if literal else f"<i>{_h(text)}</i>"


def _names(names: Sequence[Any], limit: int) -> str:
    more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
    return ", ".join(_code(n) for n in names[:limit]) + more


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return "\n".join(lines)


def _cell(n: int) -> str:
    return f"{n:,}" if n else "·"


def _provider(item: Item) -> str:
    return str(item.get("provider") or str(item.get("type", "")).split(".")[0])


def _kind(item: Item) -> str:
    kind = str(item.get("type", ""))
    return kind.split(".", 1)[1] if "." in kind else kind


# ---------------------------------------------------------------- blocks and the size budget
@dataclass
class Block:
    """A unit shown whole or not at all. ``keys`` are the resources (by index) it describes."""

    text: str
    keys: frozenset[int] = frozenset()
    html: bool = False


@dataclass
class Section:
    title: str
    intro: str = ""
    blocks: list[Block] = field(default_factory=list)

    def head(self) -> str:
        return f"#### {self.title}" + (f"\n\n{self.intro}" if self.intro else "")


def _details(summary: str, body: str, keys: Iterable[int] = ()) -> Block:
    # Blank lines around the body: markdown inside <details> is parsed only after one.
    return Block(f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>", frozenset(keys), html=True)


def _line(text: str, *keys: int) -> Block:
    return Block(text, frozenset(keys))


def _join(parts: list[Block]) -> str:
    """Consecutive list lines stay one tight list; anything else is separated by a blank line
    (an HTML block runs until a blank line, so one must follow every ``</details>``)."""
    out: list[str] = []
    prev: Block | None = None
    for b in parts:
        if prev is not None:
            tight = not prev.html and not b.html and prev.text.startswith("- ") and b.text.startswith("- ")
            out.append("\n" if tight else "\n\n")
        out.append(b.text)
        prev = b
    return "".join(out) + "\n"


def _render(head: list[str], sections: list[Section], footer: str, note: str = "") -> str:
    parts = [Block(h) for h in head if h]
    for s in sections:
        parts.append(Block(s.head()))
        parts.extend(s.blocks)
    if note:
        parts.append(Block(note))
    parts.append(Block(footer))
    return _join(parts)


def _assemble(
    heads: Sequence[list[str]], sections: list[Section], footer: str, hint: str, noun: str, max_chars: int
) -> str:
    """Everything if it fits; else the longest prefix of blocks that fits, then a truncation note.

    ``heads`` are alternative always-kept tops, fullest first, tried until one leaves room.
    """
    sections = [s for s in sections if s.blocks]
    full = _render(heads[0], sections, footer)
    if len(full) <= max_chars:
        return full
    every = frozenset().union(*(b.keys for s in sections for b in s.blocks))
    for head in heads:
        fixed = len(_render(head, [], footer, _note(len(every), len(every), noun, hint)))
        if fixed > max_chars:
            continue
        kept, shown = _fill(sections, max_chars - fixed)
        text = _render(head, kept, footer, _note(len(every - shown), len(every), noun, hint))
        if len(text) <= max_chars:
            return text
    # Not even the smallest head fits: one-line paragraphs only, cut at a line boundary.
    note = _note(len(every), len(every), noun, hint).replace("> [!WARNING]\n> ", "")
    return _cut_lines(_render(heads[-1], [], footer, note), max_chars)


def _fill(sections: list[Section], budget: int) -> tuple[list[Section], frozenset[int]]:
    """Blocks in order until one does not fit, none after it (so truncation is from the end).

    A resource counts as shown only if every block describing it is.
    """
    kept: list[Section] = []
    shown: set[int] = set()
    dropped: set[int] = set()
    used, full = 0, False
    for section in sections:
        taken = Section(section.title, section.intro)
        for block in section.blocks:
            cost = len(block.text) + 2 + (0 if taken.blocks else len(taken.head()) + 2)
            full = full or used + cost > budget
            if full:
                dropped |= block.keys
                continue
            used += cost
            taken.blocks.append(block)
            shown |= block.keys
        if taken.blocks:
            kept.append(taken)
    return kept, frozenset(shown - dropped)


def _note(hidden: int, total: int, noun: str, hint: str) -> str:
    return (
        f"> [!WARNING]\n> **Truncated** to fit the comment size limit: {hidden:,} of {total:,} {noun} "
        f"are not shown, or only in part. The full {hint}"
    )


def _cut_lines(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    return cut[: cut.rfind("\n") + 1]


# ---------------------------------------------------------------- folding
class _Entry(NamedTuple):
    key: int  # resource index
    name: str
    type: str
    path: str
    old: Any
    new: Any
    sensitive: bool

    def group(self) -> tuple[str, str, str, str]:
        # Raw values (never rendered): two long values that differ only past the display cut stay apart.
        old, new = (json.dumps(v, sort_keys=True, default=str) for v in (self.old, self.new))
        return self.type, self.path, old, new


def _fold(entries: list[_Entry], arrow: Callable[[_Entry], str]) -> tuple[list[Block], set[tuple[int, str]]]:
    """One block per (type, path, old, new) shared by >= FOLD_MIN resources; and which fields it covers."""
    groups: dict[tuple[str, str, str, str], list[_Entry]] = {}
    for e in entries:
        groups.setdefault(e.group(), []).append(e)
    blocks: list[Block] = []
    folded: set[tuple[int, str]] = set()
    for (kind, path, _old, _new), members in sorted(groups.items(), key=lambda g: -len(g[1])):
        if len({m.key for m in members}) < FOLD_MIN:
            continue
        head = f"{len(members):,} × {_hcode(kind)}: {_hcode(path)} {arrow(members[0])}"
        blocks.append(_details(head, _names([m.name for m in members], MAX_FOLD_NAMES), [m.key for m in members]))
        folded.update((m.key, m.path) for m in members)
    return blocks, folded


def _more_fields(count: int) -> str:
    return f"*… and {count:,} more field(s), listed in the JSON document.*"


# ================================================================ plan
def plan_markdown(plan: Mapping[str, Any], *, max_chars: int = GITHUB_LIMIT) -> str:
    """A plan document (``provision plan --format json``) as a pull-request comment."""
    changes: list[Item] = list(plan.get("resource_changes") or [])
    refusals = [str(r) for r in plan.get("refusals") or [] if r]
    failed = [c for c in changes if c.get("failed")]
    moved = list(plan.get("moved") or [])
    footer = _plan_footer(plan)
    notable = any(_action(c) != "noop" or c.get("pending") or _in_drift(c) for c in changes)
    if not (notable or refusals or failed or moved):
        noop = int((plan.get("summary") or {}).get("noop", len(changes)))
        line = f"✅ **provision plan: no changes.** {_n(noop, 'resource')} match the manifest. {footer}\n"
        return _cut_lines(line, max_chars)

    risks = [_risks(c) for c in changes]
    headline = _plan_headline(plan, changes, refusals, any(risks) or bool(failed))
    targets = _targets_line(plan.get("targets") or {})
    table = _plan_table(changes, risks)
    sections = [
        _plan_drift_section(changes),
        _planned_section(changes, risks),
        _moved_section(moved, len(changes)),
        _waiting_section(changes),
    ]
    heads = [
        [headline, targets, _risk_section(changes, risks, refusals, failed, MAX_LISTED), table],
        [headline, targets, _risk_section(changes, risks, refusals, failed, 0), table],
        [headline, _risk_section(changes, risks, refusals, failed, 0)],
        [headline],
    ]
    hint = "plan is in the JSON document: `provision plan --out plan.json` (or `--format json`)."
    return _assemble(heads, sections, footer, hint, "changed resources", max_chars)


def _action(c: Item) -> str:
    return str(c.get("action") or "noop")


def _drift_fields(c: Item) -> list[Item]:
    return [f for f in c.get("changes") or [] if "drift" in (f.get("reason") or [])]


def _config_fields(c: Item) -> list[Item]:
    return [f for f in c.get("changes") or [] if "drift" not in (f.get("reason") or [])]


def _drift_only(c: Item) -> bool:
    """Changed outside provisioner as a whole (e.g. deleted outside, to be recreated): no field diff."""
    return "drift" in (c.get("reason") or []) and not c.get("changes") and _action(c) != "noop"


def _in_drift(c: Item) -> bool:
    return bool(_drift_fields(c)) or _drift_only(c)


def _is_planned(c: Item) -> bool:
    """Listed under "Planned changes": what the manifest asks for. Drift-only work is listed as drift."""
    if _action(c) == "noop":
        return False
    if _config_fields(c) or c.get("refusal") or "config" in (c.get("reason") or []):
        return True
    return not _in_drift(c)


def _risks(c: Item) -> list[str]:
    """The document's risk flags, or (documents before ``risks``) those its fields make evident."""
    if "risks" in c:
        return [str(r) for r in c.get("risks") or []]
    action, removal = _action(c), c.get("removal")
    out = []
    if action == "delete":
        if removal in ("disable", "forget"):
            out.append(str(removal))
        elif c.get("retain"):
            out.append("forget")
        else:
            out.append("delete")
            if str(c.get("type", "")).endswith(".number"):
                out.append("release")
    if action == "replace":
        out.append("replace")
    if action == "update" and "template" in str(c.get("type", "")):
        out.append("re_review")  # any template edit may go back to review; exact fields need ``risks``
    if any(
        f.get("sensitive") and f.get("old") is not None and f.get("new") is not None for f in c.get("changes") or []
    ):
        out.append("secret_rotated")
    return out


def _plan_headline(plan: Item, changes: list[Item], refusals: list[str], risky: bool) -> str:
    summary = dict(plan.get("summary") or {})
    derived = Counter(_action(c) for c in changes)
    counts = {k: int(summary.get(k, derived.get(k, 0)) or 0) for k in (*_ACTIONS, "noop", "disable", "forget")}
    counts["move"] = int(summary.get("move", len(plan.get("moved") or [])) or 0)
    counts["pending"] = int(summary.get("pending", sum(1 for c in changes if c.get("pending"))) or 0)
    verbs = ("create", "update", "replace", "delete", "disable", "forget", "import", "move")
    parts = [f"**{counts[k]:,}** to {k}" for k in verbs if counts[k]]
    title = "provision destroy plan" if plan.get("destroy") else "provision plan"
    if refusals:
        mark, verdict = "❌", f"refused — cannot be applied ({_n(len(refusals), 'refusal')})"
    elif parts:
        mark, verdict = ("⚠️" if risky else "📋"), "changes to apply"
    else:
        mark, verdict = ("❌" if risky else "⏳"), "no changes to make"
    drifted = sum(1 for c in changes if _in_drift(c))
    tail = [f"{counts['noop']:,} unchanged"] + [
        f"{n:,} {label}" for n, label in ((counts["pending"], "pending"), (drifted, "changed outside provisioner")) if n
    ]
    return f"### {mark} {title}: {verdict}\n\n" + " · ".join(parts + tail)


def _targets_line(targets: Item) -> str:
    parts = []
    for key, label in (("only", "only"), ("skip", "skipping"), ("pulled_in", "pulled in as dependencies")):
        names = list(targets.get(key) or [])
        if names:
            parts.append(f"{label} {_names(names, MAX_LISTED)}")
    return ("🎯 **Targeted plan:** " + "; ".join(parts) + ".") if parts else ""


def _risk_section(
    changes: list[Item], risks: list[list[str]], refusals: list[str], failed: list[Item], limit: int
) -> str:
    """Always kept, so bounded: a count per flag and (if ``limit``) the first names."""
    lines = []
    if refusals:
        lines.append(f"- ❌ **Refused — this plan cannot be applied** ({len(refusals):,})")
        lines.extend(f"  - {_md(r)}" for r in refusals[:limit])
        if limit and len(refusals) > limit:
            lines.append(f"  - … and {len(refusals) - limit:,} more")
    if failed:
        listed = [f"{_code(c.get('name'))} ({_md(c.get('failed'), 120)})" for c in failed[:limit]]
        more = f" and {len(failed) - limit:,} more" if limit and len(failed) > limit else ""
        lines.append(
            f"- ❌ **Failed at the provider** ({len(failed):,})" + (f": {', '.join(listed)}{more}" if limit else "")
        )
    for flag, (label, marker) in _RISKS.items():
        names = [c.get("name") for c, r in zip(changes, risks, strict=True) if flag in r]
        if names:
            lines.append(f"- {marker}**{label}** ({len(names):,})" + (f": {_names(names, limit)}" if limit else ""))
    return ("#### Risk flags\n\n" + "\n".join(lines)) if lines else ""


def _plan_table(changes: list[Item], risks: list[list[str]]) -> str:
    rows: dict[tuple[str, str], Counter[str]] = {}
    for c, flags in zip(changes, risks, strict=True):
        row = rows.setdefault((_provider(c), _kind(c)), Counter())
        row[_action(c)] += 1
        row["drift"] += _in_drift(c)
        row["refused"] += bool(c.get("refusal"))
        row["failed"] += bool(c.get("failed"))
        row.update("risk:" + f for f in flags)
    shown = {k: v for k, v in rows.items() if any(v[a] for a in (*_ACTIONS, "drift", "refused", "failed"))}
    if not shown:
        return ""
    body = [
        [_md(p), _code(k, cell=True), *(_cell(n[a]) for a in _ACTIONS), _cell(n["drift"]), _risk_cell(n)]
        for (p, k), n in sorted(shown.items())
    ]
    if len(shown) > 1:
        t: Counter[str] = Counter()
        for n in shown.values():
            t.update(n)
        body.append(["**Total**", "", *(_cell(t[a]) for a in _ACTIONS), _cell(t["drift"]), _risk_cell(t)])
    return _table(["Provider", "Kind", *(a.capitalize() for a in _ACTIONS), "Drift", "Risks"], body)


def _risk_cell(n: Counter[str]) -> str:
    parts = [f"❌ {n[k]:,} {k}" for k in ("refused", "failed") if n[k]]
    parts += [f"{m}{n['risk:' + f]:,} {_SHORT_RISK.get(f, f)}" for f, (_l, m) in _RISKS.items() if n["risk:" + f]]
    return ", ".join(parts)


def _action_label(c: Item) -> str:
    action = _action(c)
    if c.get("refusal"):
        return f"❌ {action} refused"
    if action == "delete" and c.get("removal") in ("disable", "forget"):
        return str(c.get("removal"))
    if action == "delete" and c.get("retain"):
        return "forget (kept in the account)"
    return {"import": "import (adopt)", "update": "update in place"}.get(action, action)


def _flags(flags: Sequence[str], c: Item) -> str:
    """Risk markers, minus the one the action label already says (a delete is not "delete, ⚠️ delete")."""
    said = {_action(c), str(c.get("removal")), "forget" if c.get("retain") else ""}
    shown = [_SHORT_RISK.get(r, r) for r in flags if r in _RISKS and r not in said]
    return f" · ⚠️ {', '.join(shown)}" if shown else ""


def _summary_tag(c: Item, flags: list[str]) -> str:
    """A resource's one-line identity inside ``<summary>`` (HTML context)."""
    ident = f" · id {_hcode(c.get('id'))}" if c.get("id") and _action(c) != "create" else ""
    symbol = _hcode(_SYMBOL.get(_action(c), "?"))
    return (
        f"{symbol} <b>{_h(c.get('name'))}</b> · {_hcode(c.get('type'))} · {_action_label(c)}{ident}{_flags(flags, c)}"
    )


def _field_table(fields: list[Item], header: Sequence[str], drift: bool) -> str:
    rows = []
    for f in fields[:MAX_ROWS]:
        sens = bool(f.get("sensitive"))
        path = _code(f.get("path"), cell=True)
        if drift and "config" in (f.get("reason") or []):
            path += " *(manifest changed too)*"
        old, new = _vcell(f.get("old"), sens), _vcell(f.get("new"), sens)
        rows.append([path, new, old] if drift else [path, old, new])  # drift: expected (manifest) first
    out = _table(header, rows)
    return out + (f"\n\n{_more_fields(len(fields) - MAX_ROWS)}" if len(fields) > MAX_ROWS else "")


def _notes(c: Item) -> list[str]:
    lines = [
        f"- **{label}:** {_md(c.get(k))}"
        for k, label in (("refusal", "❌ refused"), ("failed", "❌ failed"), ("pending", "⏳ pending"))
        if c.get(k)
    ]
    if not c.get("refusal"):  # a refused change's notes describe what will not happen
        lines.extend(f"- note: {_md(n)}" for n in c.get("notes") or [])
    return lines


def _severity(c: Item, flags: list[str]) -> int:
    if c.get("refusal"):
        return 0
    if c.get("failed"):
        return 1
    if {"release", "delete", "replace"} & set(flags):
        return 2
    return 3 if flags else 4


def _entries(
    items: list[Item], pick: Callable[[Item], list[Item]], old: str = "old", new: str = "new"
) -> list[_Entry]:
    """One entry per field change ``pick`` finds in each item (its index kept, for folding);
    ``old``/``new`` name the two sides (drift reports say last_applied/live)."""
    return [
        _Entry(
            i,
            str(c.get("name")),
            str(c.get("type")),
            str(f.get("path")),
            f.get(old),
            f.get(new),
            bool(f.get("sensitive")),
        )
        for i, c in enumerate(items)
        for f in pick(c)
    ]


def _plan_drift_section(changes: list[Item]) -> Section:
    section = Section(
        "Changed outside provisioner (drift)",
        "Someone changed these in the account. Shown as *manifest → live*; apply sets them back to the manifest.",
    )
    folds, folded = _fold(
        _entries(changes, _drift_fields), lambda e: f"{_vhtml(e.new, e.sensitive)} → {_vhtml(e.old, e.sensitive)}"
    )
    section.blocks.extend(folds)
    for i, c in enumerate(changes):
        notes = [] if _is_planned(c) else _notes(c)  # shown once: with the planned change if there is one
        if _drift_only(c):
            what = (
                "deleted outside provisioner; apply creates it again"
                if _action(c) == "create"
                else "changed outside provisioner"
            )
            if notes:
                section.blocks.append(
                    _details(f"<b>{_h(c.get('name'))}</b> · {_hcode(c.get('type'))} · {what}", "\n".join(notes), [i])
                )
            else:
                section.blocks.append(_line(f"- {_code(c.get('name'))} ({_code(c.get('type'))}): {what}", i))
            continue
        fields = _drift_fields(c)
        rest = [f for f in fields if (i, str(f.get("path"))) not in folded]
        if rest or (fields and notes):
            body = [_field_table(rest, ["Field", "Manifest", "Live now"], drift=True)] if rest else []
            if len(fields) > len(rest):
                body.append(f"*{_n(len(fields) - len(rest), 'more field')} shown in a folded group above.*")
            body += ["\n".join(notes)] if notes else []
            count = _n(len(fields), "field")
            head = f"<b>{_h(c.get('name'))}</b> · {_hcode(c.get('type'))} · {count} changed outside provisioner"
            section.blocks.append(_details(head, "\n\n".join(body), [i]))
    return section


def _planned_section(changes: list[Item], risks: list[list[str]]) -> Section:
    section = Section("Planned changes", "Shown as *current → planned*.")
    entries = [e for e in _entries(changes, _config_fields) if _is_planned(changes[e.key])]
    folds, folded = _fold(entries, lambda e: f"{_vhtml(e.old, e.sensitive)} → {_vhtml(e.new, e.sensitive)}")
    section.blocks.extend(folds)
    n_folded = Counter(k for k, _p in folded)
    bare: dict[tuple[str, str, str, tuple[str, ...]], list[int]] = {}
    detailed: list[tuple[int, int, Block]] = []
    for i, c in enumerate(changes):
        if not _is_planned(c):
            continue
        rest = [f for f in _config_fields(c) if (i, str(f.get("path"))) not in folded]
        notes = _notes(c)
        if not rest and not notes:
            if not (_action(c) == "update" and n_folded[i]):  # else fully described by its folds
                bare.setdefault((str(c.get("type")), _action(c), _action_label(c), tuple(risks[i])), []).append(i)
            continue
        body = [_field_table(rest, ["Field", "Current", "Planned"], drift=False)] if rest else []
        if n_folded[i]:
            body.append(f"*{_n(n_folded[i], 'more field change')} shown in a folded group above.*")
        body += ["\n".join(notes)] if notes else []
        detailed.append((_severity(c, risks[i]), i, _details(_summary_tag(c, risks[i]), "\n\n".join(body), [i])))
    detailed += _bare_blocks(changes, bare, risks)
    section.blocks.extend(b for _s, _i, b in sorted(detailed, key=lambda t: (t[0], t[1])))
    return section


def _bare_blocks(
    changes: list[Item], bare: Mapping[tuple[Any, ...], list[int]], risks: list[list[str]]
) -> list[tuple[int, int, Block]]:
    """Resources with nothing to expand: a line each, or one folded group per identical (type, action)."""
    out: list[tuple[int, int, Block]] = []
    for (kind, action, label, flags), idx in bare.items():
        first = changes[idx[0]]
        rank = _severity(first, list(flags))
        if len(idx) >= FOLD_MIN:
            head = f"{_hcode(_SYMBOL.get(action, '?'))} {len(idx):,} × {_hcode(kind)} · {label}{_flags(flags, first)}"
            names = _names([changes[i].get("name") for i in idx], MAX_FOLD_NAMES)
            out.append((rank, idx[0], _details(head, names, idx)))
            continue
        for i in idx:
            c = changes[i]
            ident = f" · id {_code(c.get('id'))}" if c.get("id") and action != "create" else ""
            symbol = _code(_SYMBOL.get(action, "?"))
            text = f"- {symbol} **{_md(c.get('name'))}** · {_code(kind)} · {label}{ident}{_flags(flags, c)}"
            out.append((rank, i, _line(text, i)))
    return out


def _moved_section(moved: list[Item], offset: int) -> Section:
    section = Section("Moved (renamed in state; no API calls)")
    section.blocks = [
        _line(f"- {_code(m.get('from'))} → {_code(m.get('to'))}", offset + n) for n, m in enumerate(moved)
    ]
    return section


def _waiting_section(changes: list[Item]) -> Section:
    section = Section("Waiting for the provider", "Unchanged, but not converged yet.")
    for i, c in enumerate(changes):
        if _action(c) == "noop" and (c.get("pending") or c.get("failed")):
            state = f"❌ failed — {_md(c.get('failed'))}" if c.get("failed") else f"⏳ {_md(c.get('pending'))}"
            section.blocks.append(_line(f"- {_code(c.get('name'))} ({_code(c.get('type'))}): {state}", i))
    return section


def _plan_footer(plan: Item) -> str:
    calls = plan.get("api_calls") or {}
    parts = [
        f"API calls: {int(calls.get('reads') or 0):,} reads made, {int(calls.get('writes') or 0):,} writes to make"
    ]
    if plan.get("plan_id"):
        parts.append(f"plan {_hcode(plan.get('plan_id'))}")
    if plan.get("state_serial") is not None:
        parts.append(f"state serial {_h(plan.get('state_serial'))}")
    if plan.get("manifest_hash"):
        parts.append(f"manifest {_hcode(str(plan.get('manifest_hash'))[:12])}")
    return "<sub>" + " · ".join(parts) + "</sub>"


# ================================================================ drift
_DRIFT_ORDER = ("drifted", "missing", "unmanaged", "failed", "pending", "not_applied", "dormant", "ignored", "in_sync")
_PROBLEMS = ("drifted", "missing", "unmanaged")
_POLICY = {
    "fail": "❗ **a human must decide**: restore it or change the manifest (plans refuse until then)",
    "recreate": "the next apply creates it again",
    "forget": "the next apply forgets it (stops managing it)",
}


def drift_markdown(drift: Mapping[str, Any], *, max_chars: int = GITHUB_LIMIT) -> str:
    """A drift document (``provision drift --format json``) as a pull-request or issue comment."""
    resources: list[Item] = list(drift.get("resources") or [])
    expired: list[Item] = list(drift.get("expired_ignores") or [])
    derived = Counter(str(r.get("status")) for r in resources)
    counts = {s: int(drift.get(s, derived.get(s, 0)) or 0) for s in _DRIFT_ORDER}
    footer = _drift_footer(drift)
    if not expired and not any(counts[s] for s in (*_PROBLEMS, "failed", "pending", "not_applied")):
        extra = ", ".join(f"{counts[s]:,} {s}" for s in ("ignored", "dormant") if counts[s])
        line = f"✅ **provision drift: no drift.** {counts['in_sync']:,} in sync" + (f" ({extra})" if extra else "")
        return _cut_lines(f"{line}. {footer}\n", max_chars)

    headline = _drift_headline(counts, len(expired))
    table = _drift_table(resources)
    sections = [
        _drifted_section(resources),
        _missing_section(resources),
        _status_section(resources, "unmanaged", "Unmanaged (in the account, in no manifest)"),
        _status_section(resources, "failed", "Failed at the provider"),
        _status_section(resources, "pending", "Pending (not converged yet; not drift)"),
        _collapsed_section(resources, "not_applied", "Not applied yet (in the manifest, never applied; not drift)"),
        _collapsed_section(resources, "dormant", "Dormant (disabled, kept by the provider; not drift)"),
        _ignored_section(resources),
    ]
    full, short = _expired_block(expired, MAX_LISTED * 2), _expired_block(expired, 0)
    heads = [[headline, full, table], [headline, short, table], [headline, short], [headline]]
    hint = "report is in the JSON document: `provision drift --format json --output drift.json`."
    return _assemble(heads, sections, footer, hint, "reported resources", max_chars)


def _drift_headline(counts: Mapping[str, int], expired: int) -> str:
    parts = [f"**{counts[s]:,}** {s}" for s in _PROBLEMS if counts[s]]
    if expired:
        parts.append(f"**{expired:,}** expired {'ignore' if expired == 1 else 'ignores'}")
    if parts:
        mark, verdict = "⚠️", "drift found"
    elif counts["failed"]:
        mark, verdict = "❌", "no drift, but objects failed"
    else:
        mark, verdict = "✅", "no drift"
    rest = [f"{counts[s]:,} {s.replace('_', ' ')}" for s in _DRIFT_ORDER if s not in _PROBLEMS and counts[s]]
    return f"### {mark} provision drift: {verdict}\n\n" + " · ".join(parts + rest)


def _expired_block(expired: list[Item], limit: int) -> str:
    """Always kept: an expired waiver silences nothing any more, so it needs renewing or removing."""
    if not expired:
        return ""
    lines = [
        "> [!CAUTION]",
        f"> **{_n(len(expired), 'expired `.provisionignore` waiver')}**: no longer silencing anything. "
        "Renew with a new expiry date, or remove.",
    ]
    for e in expired[:limit]:
        reason = f" — {_md(e.get('reason'), 200)}" if e.get("reason") else ""
        where = [_md(e.get("source"), 120)] if e.get("source") else []
        where += [f"owner {_md(e.get('owner'), 60)}"] if e.get("owner") else []
        source = f" ({', '.join(where)})" if where else ""
        lines.append(f"> - {_code(e.get('rule'))} expired {_md(e.get('expires'), 40)}{reason}{source}")
    if limit and len(expired) > limit:
        lines.append(f"> - … and {len(expired) - limit:,} more")
    return "\n".join(lines)


def _drift_table(resources: list[Item]) -> str:
    rows: dict[tuple[str, str], Counter[str]] = {}
    for r in resources:
        rows.setdefault((_provider(r), _kind(r)), Counter())[str(r.get("status"))] += 1
    columns = [s for s in _DRIFT_ORDER if any(n[s] for n in rows.values())]
    if not rows:
        return ""
    body = [[_md(p), _code(k, cell=True), *(_cell(n[s]) for s in columns)] for (p, k), n in sorted(rows.items())]
    if len(rows) > 1:
        body.append(["**Total**", "", *(_cell(sum(n[s] for n in rows.values())) for s in columns)])
    return _table(["Provider", "Kind", *(s.replace("_", " ").capitalize() for s in columns)], body)


def _label(r: Item) -> str:
    """Unmanaged and dormant objects are named by id: their name is only a kind placeholder."""
    if r.get("status") in ("unmanaged", "dormant") and r.get("id"):
        return f"{_code(r.get('id'))} ({_code(r.get('type'))})"
    ident = f" id {_code(r.get('id'))}" if r.get("id") else ""
    return f"{_code(r.get('name'))} ({_code(r.get('type'))}){ident}"


def _drifted_section(resources: list[Item]) -> Section:
    section = Section("Drifted (changed outside provisioner)", "Shown as *last applied → live*.")
    drifted = [(i, r) for i, r in enumerate(resources) if r.get("status") == "drifted"]
    entries = _entries(
        resources,
        lambda r: (r.get("changes") or []) if r.get("status") == "drifted" else [],
        "last_applied",
        "live",
    )
    folds, folded = _fold(entries, lambda e: f"{_vhtml(e.old, e.sensitive)} → {_vhtml(e.new, e.sensitive)}")
    section.blocks.extend(folds)
    for i, r in drifted:
        fields = list(r.get("changes") or [])
        rest = [f for f in fields if (i, str(f.get("path"))) not in folded]
        if fields and not rest:
            continue  # fully described by its folded groups
        rows = [
            [
                _code(f.get("path"), cell=True),
                _vcell(f.get("last_applied"), bool(f.get("sensitive"))),
                _vcell(f.get("live"), bool(f.get("sensitive"))),
            ]
            for f in rest[:MAX_ROWS]
        ]
        body = [
            _table(["Field", "Last applied", "Live now"], rows)
            if rows
            else _md(r.get("message") or "changed outside provisioner")
        ]
        if len(rest) > MAX_ROWS:
            body.append(_more_fields(len(rest) - MAX_ROWS))
        if len(fields) > len(rest):
            body.append(f"*{_n(len(fields) - len(rest), 'more field')} shown in a folded group above.*")
        ident = f" · id {_hcode(r.get('id'))}" if r.get("id") else ""
        head = f"<b>{_h(r.get('name'))}</b> · {_hcode(r.get('type'))}{ident} · {_n(len(fields), 'field')} changed"
        section.blocks.append(_details(head, "\n\n".join(body), [i]))
    return section


def _missing_section(resources: list[Item]) -> Section:
    """Policy "fail" first: those block every plan until a person decides."""
    section = Section("Missing (deleted outside provisioner)")
    rank = {"fail": 0, "recreate": 1, "forget": 2}
    missing = sorted(
        ((i, r) for i, r in enumerate(resources) if r.get("status") == "missing"),
        key=lambda t: (rank.get(str(t[1].get("policy")), 3), t[0]),
    )
    for i, r in missing:
        policy = r.get("policy")
        what = _POLICY.get(str(policy), f"policy {_code(policy)}" if policy else _md(r.get("message")))
        section.blocks.append(_line(f"- {_label(r)}" + (f": {what}" if what else ""), i))
    return section


def _status_line(r: Item) -> str:
    msg = f" — {_md(r.get('message'))}" if r.get("message") else ""
    return f"- {_label(r)}{msg}"


def _listing(resources: list[Item], idx: list[int]) -> str:
    body = "\n".join(_status_line(resources[i]) for i in idx[:MAX_FOLD_NAMES])
    more = len(idx) - MAX_FOLD_NAMES
    return body + (f"\n\n*… and {more:,} more, listed in the JSON document.*" if more > 0 else "")


def _status_section(resources: list[Item], status: str, title: str) -> Section:
    """A line per item; FOLD_MIN or more of one type are folded into one collapsible list."""
    section = Section(title)
    by_type: dict[str, list[int]] = {}
    for i, r in enumerate(resources):
        if r.get("status") == status:
            by_type.setdefault(str(r.get("type")), []).append(i)
    for kind, idx in by_type.items():
        if len(idx) >= FOLD_MIN:
            head = f"{len(idx):,} × {_hcode(kind)} {_h(status.replace('_', ' '))}"
            section.blocks.append(_details(head, _listing(resources, idx), idx))
        else:
            section.blocks.extend(_line(_status_line(resources[i]), i) for i in idx)
    return section


def _collapsed_section(resources: list[Item], status: str, title: str) -> Section:
    """Not drift, listed for completeness: one collapsed list."""
    idx = [i for i, r in enumerate(resources) if r.get("status") == status]
    section = Section(title)
    if idx:
        section.blocks.append(_details(_n(len(idx), "resource"), _listing(resources, idx), idx))
    return section


def _ignored_section(resources: list[Item]) -> Section:
    idx = [i for i, r in enumerate(resources) if r.get("status") == "ignored"]
    section = Section("Ignored by `.provisionignore` (not drift)")
    if not idx:
        return section
    rows = []
    for i in idx[:MAX_FOLD_NAMES]:
        r, by = resources[i], resources[i].get("ignored_by") or {}
        name = r.get("id") if str(r.get("name", "")).startswith("(") and r.get("id") else r.get("name")
        expires = _md(by.get("expires"), 40) if by.get("expires") else "never"
        rows.append(
            [
                _code(name, True),
                _code(r.get("type"), True),
                _code(by.get("rule"), True),
                _md(by.get("reason"), 200),
                _md(by.get("owner"), 60),
                expires,
            ]
        )
    body = _table(["Resource", "Type", "Rule", "Reason", "Owner", "Expires"], rows)
    if len(idx) > MAX_FOLD_NAMES:
        body += f"\n\n*… and {len(idx) - MAX_FOLD_NAMES:,} more, listed in the JSON document.*"
    section.blocks.append(_details(_n(len(idx), "ignored resource"), body, idx))
    return section


def _drift_footer(drift: Item) -> str:
    calls = drift.get("api_calls") or {}
    reads, writes = int(calls.get("reads") or 0), int(calls.get("writes") or 0)
    return f"<sub>API calls: {reads:,} reads, {writes:,} writes (drift is read-only)</sub>"
