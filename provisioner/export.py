"""``provision export``: everything a provider account holds, as a clean manifest to adopt it.

    with Workspace.bare(".", sandbox_url=url) as ws:
        result = export_manifest(ws, "infobip")
    Path("infobip.yaml").write_text(result.yaml)

The round trip is the contract: planning the exported manifest against an empty state shows only
imports, with no field changes and no writes; applying it records them without a write call; the
next plan has nothing to do. Hence:

* a field is written only when ``Kind.normalize`` would not fill it in with the same value anyway
  (provider defaults are dropped), and the result still validates against the kind's schema;
* a secret the API returns becomes an ``${env:NAME}`` placeholder (never the value); a write-only
  one it never returns gets a placeholder too, and ``ignore_changes`` (adopting cannot know it);
* an object that plans cannot find by its natural key (ids the provider assigns) carries
  ``options.import``; a child names its parent in the same export as ``${parent.id}``, except in
  ``observe_by`` paths, which plans resolve only through state;
* objects that do nothing (``Kind.dormant``), and those a kind cannot declare as they are, are
  left out, and ``Export.notes`` says so.

Kinds the API lists only under a key (``observe_by``) get their keys from the same account: the
account's numbers for inbound configurations and WhatsApp templates, every channel for webhooks,
the kind's own list otherwise (RCS senders). What cannot be enumerated that way is noted.
"""

from __future__ import annotations

import copy
import re
import tempfile
import textwrap
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from . import registry
from .diff import get_path
from .errors import ManifestError, UsageError
from .kind import Kind
from .manifest import load_manifest
from .model import LiveObject, Unknown
from .plan import observe, view
from .providers import PROVIDERS
from .schema import kind_checker, kind_schemas, resolve_ref
from .workspace import Workspace
from .yamlload import ManifestYamlLoader

Path_ = tuple[str, ...]


@dataclass
class Export:
    """An exported manifest and what a reviewer must know about it."""

    yaml: str
    resources: int
    env_placeholders: list[str] = field(default_factory=list)  # variables the manifest reads (secrets)
    notes: list[str] = field(default_factory=list)  # what was left out, and why


@dataclass
class _Item:
    """One live object on its way into the manifest."""

    kind: Kind  # type: ignore[type-arg]
    live: LiveObject
    props: dict[str, Any]
    name: str = ""
    options: dict[str, Any] = field(default_factory=dict)


# Readable resource names: kind → (prefix, the values that name an object).
_LABELS: dict[str, tuple[str, Callable[[Mapping[str, Any]], list[Any]]]] = {
    "vonage.application": ("app", lambda p: [p.get("name")]),
    "vonage.number": ("number", lambda p: [p.get("msisdn")]),
    "sinch.conversation_app": ("app", lambda p: [p.get("display_name")]),
    "sinch.conversation_webhook": ("webhook", lambda p: [_without_scheme(p.get("target"))]),
    "sinch.number": ("number", lambda p: [p.get("phone_number")]),
    "sinch.provisioning_webhook": ("provisioning-webhook", lambda p: [_without_scheme(p.get("target"))]),
    "sinch.rcs_sender": ("rcs", lambda p: [get_path(p, "details.brand.name")]),
    "sinch.whatsapp_sender": ("whatsapp-sender", lambda p: [f"{p.get('country_code')}{p.get('phone_number')}"]),
    "sinch.whatsapp_template": ("template", lambda p: [p.get("name"), p.get("language")]),
    "infobip.application": ("app", lambda p: [p.get("id")]),
    "infobip.entity": ("entity", lambda p: [p.get("id")]),
    "infobip.calls_configuration": ("calls", lambda p: [p.get("id")]),
    "infobip.number": ("number", lambda p: [p.get("number")]),
    "infobip.inbound_message_configuration": (
        "inbound",
        lambda p: [p.get("channel"), p.get("number"), p.get("keyword")],
    ),
    "infobip.number_masking_config": ("masking", lambda p: [p.get("name")]),
    "infobip.rcs_sender": ("rcs", lambda p: [p.get("sender_name")]),
    "infobip.tfa_application": ("2fa", lambda p: [p.get("name")]),
    "infobip.tfa_message_template": ("2fa-message", lambda p: [p.get("message_text")]),
    "infobip.webhook": ("webhook", lambda p: [p.get("id")]),
    "infobip.whatsapp_template": ("template", lambda p: [p.get("name"), p.get("language")]),
}
_MAX_NAME = 60

# (kind, property path) → (kind referenced, the attribute holding the value). Paths cross lists.
# ``observe_by`` paths never take a reference: plans resolve those only through state, so an
# inbound configuration names its number, and a template its sender, literally.
_REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("vonage.number", "app_id"): ("vonage.application", "id"),
    ("sinch.conversation_webhook", "app_id"): ("sinch.conversation_app", "id"),
    ("sinch.conversation_app", "channel_credentials.static_bearer.claimed_identity"): ("sinch.whatsapp_sender", "id"),
    ("infobip.number", "application_id"): ("infobip.application", "id"),
    ("infobip.number", "entity_id"): ("infobip.entity", "id"),
    ("infobip.tfa_message_template", "application_id"): ("infobip.tfa_application", "id"),
    ("infobip.webhook", "criteria.application_id"): ("infobip.application", "id"),
    ("infobip.webhook", "criteria.entity_id"): ("infobip.entity", "id"),
    ("infobip.webhook", "criteria.calls_configuration_id"): ("infobip.calls_configuration", "id"),
    **{
        (kind, f"platform.{attr}_id"): (f"infobip.{attr}", "id")
        for kind in ("infobip.inbound_message_configuration", "infobip.whatsapp_template", "infobip.rcs_sender")
        for attr in ("application", "entity")
    },
}

# Why a kind's ``export`` left an object out (it returned None).
_UNDECLARABLE = {
    "infobip.webhook": (
        "its subscription, notification profile and security setting do not share one id, which is how "
        "provisioner manages a webhook; adopt it by hand (or recreate it under one id)"
    ),
    "infobip.inbound_message_configuration": "it forwards nothing (no forwarding), which a manifest must declare",
}

# observe_by kinds whose keys are the account's numbers: the kinds observed first to get them.
_BY_NUMBER = {"infobip.inbound_message_configuration": "infobip.number", "infobip.whatsapp_template": "infobip.number"}


# ---------------------------------------------------------------- entry point
def export_manifest(
    ws: Workspace, provider: str, kinds: Sequence[str] | None = None, *, exported_at: datetime | None = None
) -> Export:
    """Read every object of ``provider``'s kinds (or of ``kinds``) and write them as a manifest.

    Read-only: observation only (one walk per kind, per key for ``observe_by`` kinds)."""
    chosen = select_kinds(provider, kinds)
    notes: list[str] = []
    by_kind = _observe(ws, chosen, notes)
    items = _collect(chosen, by_kind, notes)
    _name(items)
    placeholders = _finish(items, notes)
    when = (exported_at or datetime.now(UTC)).replace(microsecond=0)
    header = _header(items, provider, chosen, placeholders, notes, when, sandbox=ws.endpoints is not None)
    text = _render(items, header)
    notes.extend(_problems(text, placeholders))
    return Export(text, len(items), placeholders, notes)


def select_kinds(provider: str, kinds: Sequence[str] | None) -> list[str]:
    """The kinds to export, parents before children; a usage error names what is valid."""
    if provider not in PROVIDERS:
        raise UsageError(f"cannot export {provider!r}: unknown provider; one of {', '.join(sorted(PROVIDERS))}")
    own = sorted(name for name, kind in registry.all_kinds().items() if kind.provider == provider)
    wanted = sorted(set(kinds)) if kinds else own
    wrong = [k for k in wanted if k not in own]
    if wrong:
        known = ", ".join(own)
        raise UsageError(f"cannot export --type {wrong[0]}: not a {provider} kind; {provider} kinds are {known}")
    return sorted(wanted, key=lambda k: (_depth(k), k))


def _depth(kind_name: str) -> int:
    parent = registry.get(kind_name).parent
    return 0 if parent is None else 1 + _depth(parent)


# ---------------------------------------------------------------- observation
def _observe(ws: Workspace, chosen: Sequence[str], notes: list[str]) -> dict[str, list[LiveObject]]:
    """Plain kinds (and what gives the scoped ones their keys) first, then the scoped kinds."""
    scoped = [k for k in chosen if registry.get(k).observe_by]
    first = {k for k in chosen if k not in scoped} | {_BY_NUMBER[k] for k in scoped if k in _BY_NUMBER}
    by_kind = dict(observe(sorted(first), ws.clients_for(first), ws.counter).by_kind)
    if scoped:
        scopes = {k: _scopes(ws, k, by_kind, notes) for k in scoped}
        by_kind.update(observe(scoped, ws.clients_for(set(scoped)), ws.counter, scopes).by_kind)
    return {k: sorted(objects.values(), key=lambda o: o.id) for k, objects in by_kind.items()}


def _scopes(
    ws: Workspace, kind_name: str, by_kind: Mapping[str, Mapping[str, LiveObject]], notes: list[str]
) -> list[tuple[str, ...]]:
    """The keys an ``observe_by`` kind is listed under, from what the account shows."""
    kind = registry.get(kind_name)
    if kind_name in _BY_NUMBER:
        numbers = sorted(by_kind.get(_BY_NUMBER[kind_name], {}))
        if kind_name == "infobip.whatsapp_template":
            notes.append(
                f"{kind_name}: listed for each of the account's {len(numbers)} number(s) as a sender; templates "
                "of a WhatsApp sender that is not one of the account's numbers cannot be listed: add them by hand"
            )
            return [(n,) for n in numbers]
        channels = _enum(kind_name, "channel")
        notes.append(
            f"{kind_name}: looked up on {', '.join(channels)} for each of the account's {len(numbers)} number(s); "
            "configurations of numbers outside the account cannot be listed"
        )
        return [(c, n) for n in numbers for c in channels]
    if kind.observe_by == ("channel",):  # subscriptions: every channel there is
        return [(c,) for c in _enum(kind_name, "channel")]
    # Otherwise the kind's own walk names its keys (RCS senders: the list, then each one read whole).
    listed = kind.observe(ws.client(kind.provider))
    keys = {tuple(get_path(o.properties, p) for p in kind.observe_by) for o in listed}
    found = sorted(k for k in keys if all(isinstance(v, str) and v for v in k))
    if not found:
        notes.append(f"{kind_name}: the account lists none (objects listed only under a key cannot be found)")
    return found


def _enum(kind_name: str, prop: str) -> list[str]:
    return list(kind_schemas()[kind_name]["properties"][prop]["enum"])


# ---------------------------------------------------------------- what goes in
def _collect(chosen: Sequence[str], by_kind: Mapping[str, list[LiveObject]], notes: list[str]) -> list[_Item]:
    items: list[_Item] = []
    left_out: dict[tuple[str, str], list[str]] = defaultdict(list)  # (kind, reason) → ids
    gone: set[tuple[str, str]] = set()  # (kind, id) left out: their children go too
    for kind_name in chosen:
        kind = registry.get(kind_name)
        for live in by_kind.get(kind_name, []):
            reason = _left_out_because(kind, live, gone)
            props = None if reason else kind.export(live)
            if props is None:
                reason = reason or _UNDECLARABLE.get(kind_name, "the kind cannot declare it as it is")
                left_out[(kind_name, reason)].append(live.id)
                gone.add((kind_name, live.id))
                continue
            items.append(_Item(kind, live, minimal(kind, props)))
    for (kind_name, reason), ids in sorted(left_out.items()):
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        notes.append(f"left out {len(ids)} {kind_name} ({shown}): {reason}")
    return items


def _left_out_because(kind: Kind, live: LiveObject, gone: set[tuple[str, str]]) -> str | None:  # type: ignore[type-arg]
    if kind.dormant(live):
        return "disabled, and kept only because the API cannot delete it (it does nothing)"
    for (kind_name, path), (target, _attr) in _REFERENCES.items():
        if kind_name == kind.kind and target == kind.parent:
            parent = get_path(live.properties, path)
            if (target, parent) in gone:
                return f"its {target} {parent} is left out"
    return None


def minimal(kind: Kind, props: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[type-arg]
    """``props`` without the fields ``kind.normalize`` fills in with the same value anyway (provider
    defaults), so the manifest declares only choices; it stays valid against the kind's schema."""
    target = view(kind, props)
    checker = kind_checker(kind.kind)
    valid = checker.is_valid(_fill_unknown(props))
    out = copy.deepcopy(dict(props))
    for path in sorted(_leaves(props)):
        for candidate in _without(out, path):  # the emptied parent gone too, else left as {}
            if view(kind, candidate) == target and (not valid or checker.is_valid(_fill_unknown(candidate))):
                out = candidate
                break
    return out


def _leaves(value: Mapping[str, Any], prefix: Path_ = ()) -> list[Path_]:
    """Leaf paths as tuples (keys may hold dots: header names). Lists and {} are leaves."""
    out: list[Path_] = []
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            out.extend(_leaves(item, (*prefix, key)))
        else:
            out.append((*prefix, key))
    return out


def _without(props: Mapping[str, Any], path: Path_) -> Iterator[dict[str, Any]]:
    for prune in (True, False):
        out = copy.deepcopy(dict(props))
        if _remove(out, path, prune):
            yield out


def _remove(node: dict[str, Any], path: Path_, prune: bool) -> bool:
    head, rest = path[0], path[1:]
    if head not in node:
        return False
    if rest:
        child = node[head]
        if not isinstance(child, dict) or not _remove(child, rest, prune):
            return False
        if prune and not child:
            del node[head]
        return True
    del node[head]
    return True


def _fill_unknown(value: Any) -> Any:
    """Unreadable secrets as a string, for schema checks."""
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, Mapping):
        return {k: _fill_unknown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_unknown(v) for v in value]
    return value


# ---------------------------------------------------------------- names
def _name(items: list[_Item]) -> None:
    """Readable, stable, unique names: prefix + slug of what names the object; names that collide
    all take a tail of their object's id (stable whatever else the account holds)."""
    base = [_base_name(it) for it in items]
    clashes = Counter(base)
    taken: set[str] = set()
    for name, it in sorted(zip(base, items, strict=True), key=lambda p: (p[0], p[1].live.id)):
        if clashes[name] > 1:
            name = f"{name}-{_slug(it.live.id)[-6:].strip('-') or 'x'}"
        unique, n = name, 2
        while unique in taken:
            unique, n = f"{name}-{n}", n + 1
        it.name = unique
        taken.add(unique)


def _base_name(it: _Item) -> str:
    prefix, values = _LABELS.get(it.kind.kind, (it.kind.kind.split(".", 1)[1].replace("_", "-"), _fallback_label))
    label = _slug(" ".join(str(v) for v in values(it.live.properties) if v not in (None, "")))
    label = label or _slug(it.live.id) or "object"
    name = f"{prefix}-{label}"
    if len(name) > _MAX_NAME:
        name = name[:_MAX_NAME].rsplit("-", 1)[0]
    return name


def _fallback_label(props: Mapping[str, Any]) -> list[Any]:
    return [props.get("name") or props.get("display_name") or props.get("id")]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _without_scheme(url: Any) -> str:
    return re.sub(r"^[a-z]+://", "", str(url or ""))


# ---------------------------------------------------------------- identity, references, secrets
def _finish(items: list[_Item], notes: list[str]) -> list[str]:
    """Options, references and placeholders; returns the environment variables the manifest reads."""
    attrs = {attr for _target, attr in _REFERENCES.values()}
    index = {
        (it.kind.kind, attr, str(it.live.attributes[attr])): it.name
        for it in items
        for attr in attrs
        if it.live.attributes.get(attr) is not None
    }
    placeholders: list[str] = []
    write_only: dict[str, set[str]] = defaultdict(set)
    for it in items:
        natural = it.kind.natural_id(it.props)
        if not it.kind.natural_key or natural != it.live.id:
            it.options["import"] = it.live.id  # plans cannot find it by a key of its own
        it.props = _escape(it.props)
        _link(it, index)
        placeholders += _hide_secrets(it, set(placeholders))
        ignored = sorted(p for p in it.kind.write_only if get_path(it.props, p) is not None)
        if ignored:
            it.options["ignore_changes"] = ignored
            for path in ignored:
                write_only[f"{it.kind.kind}.{path}"].add(it.name)
    for what, names in sorted(write_only.items()):
        notes.append(
            f"{what} ({', '.join(sorted(names))}): write-only — provisioner compares it with what it last sent, "
            "and it sent nothing yet, so ignore_changes keeps adopting from re-sending it; set its variable to the "
            "current value, and drop ignore_changes after the first apply to manage it from then on"
        )
    if any(it.kind.kind == "vonage.application" for it in items):
        notes.append(
            "vonage.application: keys stay as they are — neither public_key nor private_key_path is declared, "
            "so no plan rotates a key (Vonage keeps the current one on every update)"
        )
    if any(it.kind.kind == "infobip.whatsapp_template" for it in items):
        notes.append(
            "infobip.whatsapp_template: body and header examples are write-only at Infobip and are not exported; "
            "add them before editing a template that has variables"
        )
    return sorted(placeholders)


def _escape(value: Any) -> Any:
    """Literal ``${`` in a live value must not read as interpolation."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, Mapping):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def _link(it: _Item, index: Mapping[tuple[str, str, str], str]) -> None:
    """A value that is another exported object's id becomes a reference to it (and an edge)."""
    for (kind_name, path), (target, attr) in _REFERENCES.items():
        if kind_name != it.kind.kind or path in it.kind.observe_by:
            continue

        def to_ref(container: Any, key: Any, labels: list[str], target: str = target, attr: str = attr) -> None:
            value = container[key]
            name = index.get((target, attr, value)) if isinstance(value, str) else None
            if name is not None:
                container[key] = "${" + f"{name}.{attr}" + "}"

        _visit(it.props, path.split("."), to_ref, [])


def _hide_secrets(it: _Item, used: set[str]) -> list[str]:
    """Sensitive values (and values the API never returns) become ``${env:NAME}`` placeholders."""
    made: list[str] = []

    def hide(container: Any, key: Any, labels: list[str]) -> None:
        value = container[key]
        if not isinstance(value, (str, Unknown)) or (isinstance(value, str) and value.startswith("${")):
            return
        name, n = _env_name([it.name, *labels]), 2
        candidate = name
        while candidate in used:
            candidate, n = f"{name}_{n}", n + 1
        used.add(candidate)
        made.append(candidate)
        container[key] = "${env:" + candidate + "}"

    for path in sorted(it.kind.sensitive):
        _visit(it.props, path.split("."), hide, [])
    for path in _unknown_paths(it.props):  # anything else the API would not tell
        _visit(it.props, list(path), hide, [])
    return made


def _unknown_paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    if isinstance(value, Unknown):
        return [prefix]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _unknown_paths(v, (*prefix, k))]
    return []


def _visit(node: Any, parts: Sequence[str], fn: Callable[[Any, Any, list[str]], None], labels: list[str]) -> None:
    """Call ``fn(container, key, labels)`` at every place ``parts`` reaches, crossing lists (each
    element labelled by its ``channel``, else its position)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            label = item.get("channel") if isinstance(item, Mapping) else None
            _visit(item, parts, fn, [*labels, str(label or i + 1)])
        return
    if not isinstance(node, dict) or parts[0] not in node:
        return
    if len(parts) == 1:
        fn(node, parts[0], [*labels, parts[0]])
    else:
        _visit(node[parts[0]], parts[1:], fn, [*labels, parts[0]] if not isinstance(node[parts[0]], list) else labels)


def _env_name(parts: Sequence[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").upper()
    return "_" + name if name[:1].isdigit() else name


# ---------------------------------------------------------------- the text
class _Dumper(yaml.SafeDumper):
    """Block style; a string that YAML 1.1 or the manifest loader's YAML 1.2 core would read as
    another type ("447700900001", "on", "0o17") is quoted."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        tag = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and tag == "tag:yaml.org,2002:str":
            tag = ManifestYamlLoader.resolve(self, kind, value, implicit)  # type: ignore[arg-type]
        return tag

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _str)


def _render(items: list[_Item], header: list[str]) -> str:
    lines = [*header, "version: 1", "resources:" + ("" if items else " {}")]
    by_kind: dict[str, list[_Item]] = defaultdict(list)
    for it in items:
        by_kind[it.kind.kind].append(it)
    for kind_name in sorted(by_kind):
        lines.append(f"  # {kind_name}")
        for it in sorted(by_kind[kind_name], key=lambda i: i.name):
            text = yaml.dump(
                {it.name: _resource(it)},
                Dumper=_Dumper,
                sort_keys=False,
                default_flow_style=False,
                allow_unicode=True,
                width=10_000,
            )
            lines += ["  " + line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def _header(
    items: list[_Item],
    provider: str,
    chosen: Sequence[str],
    placeholders: Sequence[str],
    notes: Sequence[str],
    when: datetime,
    sandbox: bool,
) -> list[str]:
    counts = Counter(it.kind.kind for it in items)
    account = f"the {provider} sandbox account" if sandbox else f"the {provider} account"
    stamp = when.isoformat().replace("+00:00", "Z")
    what = ", ".join(f"{k} ({counts[k]})" for k in chosen if counts[k])
    secrets = (
        "Set the environment variables it reads for secrets: " + ", ".join(placeholders) + "."
        if placeholders
        else "It reads no secrets from the environment."
    )
    out = _comment(f"Exported from {account} by `provision export` at {stamp}.")
    out += _comment(f"{len(items)} resource(s)" + (f": {what}." if what else "."))
    out += ["#", "# Next:"]
    out += _comment(
        "1. Review the resource names: derived from each object's name or number, they are yours to change "
        "now (once applied, a rename needs a `moved:` entry).",
        "#   ",
        "#      ",
    )
    out += _comment(f"2. {secrets}", "#   ", "#      ")
    out += _comment(
        "3. Commit it, then run `provision plan`: every resource should be an import with no changes, and "
        "`provision apply` records them without a single write call.",
        "#   ",
        "#      ",
    )
    if notes:
        out += ["#", "# Notes:"]
        for note in notes:
            out += _comment(note, "#   - ", "#     ")
    return out


def _comment(text: str, first: str = "# ", rest: str = "#   ") -> list[str]:
    return textwrap.wrap(
        text, 100, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )


def _resource(it: _Item) -> dict[str, Any]:
    schema = kind_schemas()[it.kind.kind]
    out: dict[str, Any] = {"type": it.kind.kind, "properties": _ordered(it.props, schema, schema)}
    if it.options:
        out["options"] = it.options
    return out


def _ordered(value: Any, schema: Any, root: Mapping[str, Any]) -> Any:
    """Keys in the order the kind's schema lists them (identity first, as its authors wrote it),
    unknown ones after, sorted."""
    schema = resolve_ref(root, schema) if isinstance(schema, Mapping) else {}
    if isinstance(value, Mapping):
        known = list((schema.get("properties") or {}).keys())
        keys = [k for k in known if k in value] + sorted(k for k in value if k not in known)
        props = schema.get("properties") or {}
        return {k: _ordered(value[k], props.get(k, {}), root) for k in keys}
    if isinstance(value, list):
        return [_ordered(v, schema.get("items", {}), root) for v in value]
    return value


def _problems(text: str, placeholders: Sequence[str]) -> list[str]:
    """The export must load as a manifest; anything the account holds that the schemas refuse is
    reported for a person to fix rather than silently dropped."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_manifest([path], env={name: "placeholder" for name in placeholders})
        except ManifestError as exc:
            shown = [str(issue).replace(str(path), "export.yaml") for issue in exc.issues]
            return [f"the export does not validate, fix by hand: {issue}" for issue in shown]
    return []
