"""Load manifest files into a validated ``Manifest`` (DESIGN §1, §2 step 1).

parse (``yamlload``) → interpolate ``${...}`` → check the structure and each kind's properties
against ``schemas/`` → check references, options and cycles. Every problem found is collected and
raised together as one ``ManifestError``. Nothing here touches the network.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import registry
from .errors import Issue, ManifestError
from .graph import check_cycles
from .model import DesiredResource, Location, Manifest, OnDelete, Options, Ref, Secret, Template
from .schema import (
    TYPE_WORDS,
    JsonPath,
    Problem,
    is_kind,
    kind_checker,
    kind_schemas,
    manifest_checker,
    path_text,
    property_paths,
    resource_checker,
    resource_name_checker,
    schema_types,
    subschema_at,
    suggest,
)
from .yamlload import Dollar, Positions, SubtreeLocations, load_yaml, split_path

_SECRET_KEYS = frozenset({"api_key", "api_secret", "key_id", "key_secret", "password", "token"})
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_ENV = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)
_FILE = re.compile(r"file:(.+)", re.DOTALL)
_REF = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
_SYNTAX_HELP = "use ${env:NAME}, ${env:NAME:-default}, ${file:path} or ${resource.attribute}, and $${ for a literal ${"


def load_manifest(
    paths: Sequence[str | Path] | str | Path, *, env: Mapping[str, str] | None = None, unset_env_ok: bool = False
) -> Manifest:
    """Load, interpolate and validate manifest files (a directory means its ``*.yaml``/``*.yml``).

    Strings in ``properties``, ``providers`` and ``state`` may use ``${env:NAME}`` (an empty
    variable counts as unset), ``${env:NAME:-default}``, ``${file:path}`` (relative to the file's
    directory) and ``${resource.attr}`` (properties only); ``$${`` is a literal ``${``.
    ``env`` defaults to ``os.environ``. Raises ``ManifestError`` listing every problem, sorted by
    file, line and column.

    ``unset_env_ok`` (``validate --no-env``) checks the structure without the environment, as
    ``terraform validate`` checks without variable values: an unset ``${env:NAME}`` is left as
    written and the checks of that one value are skipped, so a laptop or a pre-commit hook
    without the secrets still validates. The result is for checking, not for planning.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    # Loading allocates millions of small objects and no garbage cycles; the collector's passes
    # over the growing node tree would otherwise cost more than parsing itself.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Loader(os.environ if env is None else env, unset_env_ok).load(paths)
    finally:
        if was_enabled:
            gc.enable()


def parse_duration(value: str | int | float) -> float:
    """``"30s"``, ``"10m"``, ``"1h30m"``, ``"250ms"`` or a number of seconds → seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if not text or _DURATION.sub("", text):
        raise ValueError(f"not a duration: {value!r}")
    return sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text))


def looks_secret(key: str) -> bool:
    """Setting names whose values are credentials, wherever the value came from."""
    return key in _SECRET_KEYS or "secret" in key or "password" in key or key.endswith("_token")


def display_name(path: Path, cwd: Path | None = None) -> str:
    """A file as shown in messages: relative to the working directory when under it."""
    cwd = cwd or Path.cwd().resolve()
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- the loader


@dataclass
class _Pending:
    """A resource between its file being read and the whole manifest being checked."""

    name: str
    kind: str | None  # None: missing or unknown type (already reported)
    properties: dict[str, Any]
    options: Options
    location: Location
    positions: Positions
    refs: list[tuple[JsonPath, Ref | Template]] = field(default_factory=list)

    @property
    def doc_path(self) -> str:
        return f"resources.{self.name}"


@dataclass
class _Block:
    """A providers or state block, kept to compare with the same block in other files."""

    value: Any
    location: Location


class _Loader:
    def __init__(self, env: Mapping[str, str], unset_env_ok: bool = False) -> None:
        self.env = env
        self.unset_env_ok = unset_env_ok
        self.issues: list[Issue] = []
        self.cwd = Path.cwd().resolve()
        self.pending: dict[str, _Pending] = {}
        self.providers: dict[str, _Block] = {}
        self.state: _Block | None = None
        self.moved: list[tuple[str, str, Location]] = []
        self.incomplete = False  # a file could not be parsed: names may be defined there
        self._check_name = resource_name_checker()
        self._check_resource = resource_checker()

    # ------------------------------------------------------------ files

    def load(self, paths: Sequence[str | Path]) -> Manifest:
        files, base_dir = self._expand(paths)
        digest = hashlib.sha256()
        file_hashes: dict[Path, str] = {}
        for path in files:
            data = self._read(path)
            if data is None:
                continue
            file_hashes[path] = hashlib.sha256(data).hexdigest()
            rel = Path(os.path.relpath(path, base_dir)).as_posix() if base_dir else path.name
            digest.update(f"{rel}\0{len(data)}\0".encode())
            digest.update(data)
            self._file(path, data)
        self._check_across_resources()
        self._check_moved()
        resources = self._resources()
        try:
            check_cycles(resources, self._dependencies())  # valid edges only: shown with the rest
        except ManifestError as exc:
            self.issues.extend(exc.issues)
        if self.issues:
            raise ManifestError(sorted(set(self.issues), key=_issue_key))
        return Manifest(
            files=tuple(files),
            base_dir=base_dir or self.cwd,
            providers={name: block.value for name, block in self.providers.items()},
            state=self.state.value if self.state else None,
            resources=resources,
            content_hash=digest.hexdigest(),
            moved=tuple((old, new) for old, new, _ in self.moved),
            file_hashes=file_hashes,
        )

    def _expand(self, paths: Sequence[str | Path]) -> tuple[list[Path], Path | None]:
        files: list[Path] = []
        base_dir: Path | None = None
        if not paths:
            self.issues.append(Issue("no manifest given; pass one or more .yaml files or a directory"))
        for raw in paths:
            path = Path(raw).expanduser().resolve()
            shown = display_name(path, self.cwd)
            if path.is_dir():
                found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
                if not found:
                    self.issues.append(Issue("no *.yaml or *.yml files in this directory", shown))
                base_dir = base_dir or path
                files.extend(found)
            elif path.is_file():
                base_dir = base_dir or path.parent
                files.append(path)
            else:
                self.issues.append(Issue("no such file or directory; check the path", shown))
        return list(dict.fromkeys(files)), base_dir  # a file named twice is loaded once

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError as exc:
            self.issues.append(Issue(f"cannot read file: {exc.strerror}", display_name(path, self.cwd)))
            self.incomplete = True
            return None

    def _file(self, path: Path, data: bytes) -> None:
        shown = display_name(path, self.cwd)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.issues.append(Issue(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", shown))
            self.incomplete = True
            return
        doc = load_yaml(text, shown)
        self.issues.extend(replace(i, path=_display_path(i.path)) if i.path else i for i in doc.issues)
        if doc.data is None:
            self.incomplete = self.incomplete or bool(doc.issues)
            if not doc.issues:
                self.issues.append(Issue("the file is empty; a manifest starts with version: 1", shown, 1, 1))
            return
        self._document(doc.data, doc.positions, path.parent, doc.dollars)

    def _document(self, data: Any, positions: Positions, directory: Path, dollars: list[Dollar]) -> None:
        interp = _Interpolator(self.env, directory, positions, self.issues, self.unset_env_ok)
        if not isinstance(data, dict):
            self._report(manifest_checker().problems(data), positions)
            return
        resources = data.get("resources")
        sites = _sites_by_resource(dollars, resources if isinstance(resources, dict) else {})
        # providers and state first, so that values from the environment are validated too
        for container, key, doc_path in sites.pop(None, []):
            container[key] = interp.string(container[key], doc_path, refs_allowed=False)
        view = dict(data)
        if isinstance(resources, dict):
            view["resources"] = {}  # entries are checked one at a time below
        self._report(manifest_checker().problems(view), positions, failed=interp.failed)
        if isinstance(data.get("providers"), dict):
            for name, settings in data["providers"].items():
                self._provider(name, settings, positions, interp)
        if isinstance(data.get("state"), dict):
            self._state(data["state"], positions, interp)
        if isinstance(resources, dict):
            for name, entry in resources.items():
                self._resource(name, entry, positions, interp, sites.get(name, ()))
        if isinstance(data.get("moved"), list):
            for i, entry in enumerate(data["moved"]):
                if isinstance(entry, dict) and isinstance(entry.get("from"), str) and isinstance(entry.get("to"), str):
                    self.moved.append((entry["from"], entry["to"], positions.near(f"moved[{i}]")))

    # ------------------------------------------------------------ providers and state

    def _provider(self, name: str, settings: Any, positions: Positions, interp: _Interpolator) -> None:
        path = f"providers.{name}"
        if isinstance(settings, dict):
            settings = {k: _maybe_secret(k, v, interp.from_source(f"{path}.{k}")) for k, v in settings.items()}
        here = positions.near(path, prefer_key=True)
        earlier = self.providers.get(name)
        if earlier is None:
            self.providers[name] = _Block(settings, here)
        elif earlier.value != settings:
            self._issue(
                f"this providers.{name} block differs from the one at {earlier.location}; "
                "give each provider once, or make the blocks identical",
                here,
                path,
            )

    def _state(self, state: dict[str, Any], positions: Positions, interp: _Interpolator) -> None:
        value = {k: _maybe_secret(k, v, interp.from_source(f"state.{k}")) for k, v in state.items()}
        here = positions.near("state", prefer_key=True)
        if self.state is None:
            self.state = _Block(value, here)
        elif self.state.value != value:
            self._issue(
                f"this state block differs from the one at {self.state.location}; "
                "give state once, or make the blocks identical",
                here,
                "state",
            )

    # ------------------------------------------------------------ resources

    def _resource(
        self, name: str, entry: Any, positions: Positions, interp: _Interpolator, sites: Sequence[Dollar]
    ) -> None:
        base = f"resources.{name}"
        here = positions.key(base) or positions.near(base)
        if not self._check_name.is_valid(name):
            for p in self._check_name.problems(name):
                self._issue(f"resource name {p.message}", here, name)
        if name in self.pending:
            self._issue(
                f'resource "{name}" is already defined at {self.pending[name].location}; '
                "resource names must be unique across all files",
                here,
                name,
            )
            return
        if not self._check_resource.is_valid(entry):
            self._report(self._check_resource.problems(entry), positions, base)
        if not isinstance(entry, dict):
            entry = {}
        kind = self._kind(entry.get("type"), name, positions)
        props = entry.get("properties")
        if not isinstance(props, dict):
            props = {}
        refs: list[tuple[JsonPath, Ref | Template]] = []
        skip = len(base) + len(".properties.")
        for container, key, doc_path in sites:
            value = container[key] = interp.string(container[key], doc_path, refs_allowed=True)
            if isinstance(value, (Ref, Template)):
                refs.append((split_path(doc_path[skip:]), value))
        options = entry.get("options")
        res = _Pending(name, kind, props, _options(options), here, positions, refs)
        self.pending[name] = res
        if kind is not None:
            checker = kind_checker(kind)
            if not checker.is_valid(props):
                problems = checker.problems(props, {path for path, _ in refs})
                self._report(problems, positions, f"{base}.properties", interp.failed)
        if isinstance(options, dict) and isinstance(options.get("timeouts"), dict):
            self._check_timeouts(res, options["timeouts"])

    def _kind(self, kind: Any, name: str, positions: Positions) -> str | None:
        if not isinstance(kind, str):
            return None  # missing or not a string: the resource schema reported it
        if is_kind(kind):
            return kind
        known = sorted(kind_schemas())
        self._issue(
            f'unknown resource type "{kind}"{suggest(kind, known)}; known types: {", ".join(known)}',
            positions.near(f"resources.{name}.type"),
            f"{name}.type",
        )
        return None

    def _check_timeouts(self, res: _Pending, timeouts: dict[str, Any]) -> None:
        for op, value in timeouts.items():
            if not isinstance(value, str):
                continue  # numbers: the schema checks them
            try:
                seconds = parse_duration(value)
            except ValueError:
                continue  # the schema already reported it
            if seconds <= 0:
                self._issue(
                    "must be longer than zero, e.g. 30s or 10m",
                    res.positions.near(f"{res.doc_path}.options.timeouts.{op}"),
                    f"{res.name}.options.timeouts.{op}",
                )

    # ------------------------------------------------------------ across resources and files

    def _check_across_resources(self) -> None:
        names = list(self.pending)
        for res in self.pending.values():
            for path, value in res.refs:
                for ref in _refs_in(value):
                    self._check_ref(res, path, ref, names)
                self._check_ref_type(res, path, value)
            self._check_depends_on(res, names)
            self._check_ignore_changes(res)

    def _check_ref(self, res: _Pending, path: JsonPath, ref: Ref, names: list[str]) -> None:
        loc = ref.location or res.location
        where = f"{res.name}.properties.{path_text(path)}"
        if ref.resource == res.name:
            self._issue(
                f'"{ref}" refers to {res.name} itself; a resource cannot reference itself',
                loc,
                where,
            )
            return
        target = self.pending.get(ref.resource)
        if target is None:
            if self.incomplete:
                return  # it may be in the file that could not be parsed
            self._issue(
                f'"{ref}" refers to unknown resource "{ref.resource}"{suggest(ref.resource, names)}; '
                "declare it under resources or fix the name",
                loc,
                where,
            )
            return
        if target.kind is None:
            return  # its type is already reported
        attributes = _attributes(target.kind)
        declared = property_paths(target.kind)
        if ref.attr in attributes or ref.attr in declared:
            return
        tops = ", ".join(p for p in declared if "." not in p)
        self._issue(
            f'"{ref}": {target.kind} has no attribute or property "{ref.attr}"'
            f"{suggest(ref.attr, [*attributes, *declared])}; attributes: {', '.join(sorted(attributes))}; "
            f"properties: {tops} (nested ones as a.b.c)",
            loc,
            where,
        )

    def _check_ref_type(self, res: _Pending, path: JsonPath, value: Ref | Template) -> None:
        """A reference placed where the schema wants a non-string needs a target of that type."""
        if res.kind is None:
            return
        expected = schema_types(subschema_at(res.kind, path))
        if expected is None:
            return
        given = frozenset({"string"}) if isinstance(value, Template) else self._ref_types(value)
        if given is None or given & expected or ("integer" in given and "number" in expected):
            return
        field_path = f"{res.doc_path}.properties.{path_text(path)}"
        self._issue(
            f'"{value}" gives {_type_words(given)}, but this field needs {_type_words(expected)}; '
            "write a literal value instead",
            (value.location if isinstance(value, Ref) else None) or res.positions.near(field_path),
            _display_path(field_path),
        )

    def _ref_types(self, ref: Ref) -> frozenset[str] | None:
        target = self.pending.get(ref.resource)
        if target is None or target.kind is None:
            return None  # reported elsewhere
        if ref.attr in _attributes(target.kind):
            return frozenset({"string"})
        return schema_types(subschema_at(target.kind, split_path(ref.attr)))

    def _check_depends_on(self, res: _Pending, names: list[str]) -> None:
        for i, dep in enumerate(res.options.depends_on):
            loc = res.positions.near(f"{res.doc_path}.options.depends_on[{i}]")
            where = f"{res.name}.options.depends_on"
            if dep == res.name:
                self._issue("a resource cannot depend on itself; remove it", loc, where)
            elif dep not in self.pending and not self.incomplete:
                message = f'unknown resource "{dep}"{suggest(dep, names)}; depends_on lists resource names'
                self._issue(message, loc, where)

    def _check_ignore_changes(self, res: _Pending) -> None:
        if res.kind is None or not res.options.ignore_changes:
            return
        declared = property_paths(res.kind)
        for i, prop in enumerate(res.options.ignore_changes):
            if prop in declared:
                continue
            tops = ", ".join(p for p in declared if "." not in p)
            self._issue(
                f'{res.kind} has no property "{prop}"{suggest(prop, declared)}; '
                f"ignore_changes lists property paths: {tops} (nested ones as a.b.c)",
                res.positions.near(f"{res.doc_path}.options.ignore_changes[{i}]"),
                f"{res.name}.options.ignore_changes",
            )

    def _check_moved(self) -> None:
        """``moved:`` entries rename state records: the new name must be declared, the old one gone."""
        seen: dict[str, Location] = {}
        for old, new, loc in self.moved:
            if old in seen:
                self._issue(f'"{old}" is already moved at {seen[old]}; move each resource once', loc, "moved")
            seen[old] = loc
            if old == new:
                self._issue(f'moved from "{old}" to itself; remove the entry', loc, "moved")
            elif old in self.pending:
                self._issue(
                    f'moved from "{old}", which is still declared under resources:; rename the resource '
                    "(the entry says the old name is gone), or remove the entry",
                    loc,
                    "moved",
                )
            elif new not in self.pending and not self.incomplete:
                known = suggest(new, self.pending)
                self._issue(
                    f'moved to "{new}", which is not declared under resources:{known}; declare it, or fix the name',
                    loc,
                    "moved",
                )

    def _dependencies(self) -> dict[str, set[str]]:
        deps: dict[str, set[str]] = {}
        for name, res in self.pending.items():
            deps[name] = set(res.options.depends_on)
            deps[name].update(ref.resource for _, value in res.refs for ref in _refs_in(value))
        return deps

    def _resources(self) -> dict[str, DesiredResource]:
        return {
            name: DesiredResource(
                name=name,
                kind=res.kind or "",
                properties=res.properties,
                options=res.options,
                location=res.location,
                field_locations=SubtreeLocations(res.positions, f"{res.doc_path}.properties."),
            )
            for name, res in self.pending.items()
        }

    # ------------------------------------------------------------ issues

    def _issue(self, message: str, loc: Location, path: str | None) -> None:
        self.issues.append(Issue(message, loc.file, loc.line, loc.column, path or None))

    def _report(
        self, problems: list[Problem], positions: Positions, doc_prefix: str = "", failed: Container[str] = ()
    ) -> None:
        for p in problems:
            at = _join(doc_prefix, path_text(p.at))
            if at in failed:
                continue  # the unresolved ${...} is the real problem, not its stand-in value
            loc = positions.near(at, prefer_key=p.at_key)
            self._issue(p.message, loc, _display_path(_join(doc_prefix, path_text(p.path))))


# ---------------------------------------------------------------- helpers


def _display_path(doc_path: str) -> str:
    """Document path → message path: resources are named directly (``app.properties.name``)."""
    return doc_path[len("resources.") :] if doc_path.startswith("resources.") else doc_path


def _join(a: str, b: str) -> str:
    if not b:
        return a
    if not a or b.startswith("["):
        return a + b
    return f"{a}.{b}"


def _issue_key(issue: Issue) -> tuple[str, int, int, str, str]:
    return (issue.file or "", issue.line or 0, issue.column or 0, issue.path or "", issue.message)


def _type_words(types: frozenset[str]) -> str:
    return " or ".join(TYPE_WORDS.get(t, t) for t in sorted(types))


def _maybe_secret(key: str, value: Any, from_source: bool) -> Any:
    if isinstance(value, str) and (from_source or looks_secret(key)):
        return Secret(value)
    return value


def _refs_in(value: Ref | Template) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    else:
        yield from (p for p in value.parts if isinstance(p, Ref))


def _attributes(kind: str) -> frozenset[str]:
    try:
        return registry.kind_attributes(kind)
    except ManifestError:  # a kind with a schema but no registered class yet
        return frozenset({"id"})


def _options(raw: Any) -> Options:
    """``options:`` → ``Options``, tolerating shapes the schema has already reported."""
    if not isinstance(raw, dict):
        return Options()
    timeouts: dict[str, float] = {}
    if isinstance(raw.get("timeouts"), dict):
        for op, value in raw["timeouts"].items():
            try:
                timeouts[op] = parse_duration(value)
            except (ValueError, TypeError):
                pass
    on_delete = raw.get("on_delete")
    return Options(
        protect=raw.get("protect") is True,
        ignore_changes=_strings(raw.get("ignore_changes")),
        depends_on=_strings(raw.get("depends_on")),
        on_delete=OnDelete(on_delete) if on_delete in ("delete", "retain") else None,
        timeouts=timeouts,
        import_id=raw.get("import") if isinstance(raw.get("import"), str) else None,
        on_missing=raw.get("on_missing") if raw.get("on_missing") in ("recreate", "fail") else None,
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(x for x in value if isinstance(x, str)) if isinstance(value, list) else ()


# ---------------------------------------------------------------- interpolation


def _sites_by_resource(dollars: list[Dollar], resources: Mapping[str, Any]) -> dict[str | None, list[Dollar]]:
    """Group the strings to interpolate: ``None`` for providers/state, else by resource.

    Only resource ``properties`` are interpolated; ``type`` and ``options`` are taken literally.
    """
    out: dict[str | None, list[Dollar]] = {}
    for site in dollars:
        path = site[2]
        head = re.split(r"[.\[]", path, maxsplit=1)[0]
        if head in ("providers", "state"):
            out.setdefault(None, []).append(site)
        elif head == "resources":
            name = _resource_of(path[len("resources.") :], resources)
            if name is not None:
                out.setdefault(name, []).append(site)
    return out


def _resource_of(rest: str, resources: Mapping[str, Any]) -> str | None:
    """``app.properties.x`` → ``app``, when the path is inside that resource's properties."""
    cut = rest.find(".properties.")
    while cut > 0:
        if rest[:cut] in resources:
            return rest[:cut]
        cut = rest.find(".properties.", cut + 1)
    return None


def _assemble(parts: list[str | Ref]) -> str | Ref | Template:
    merged: list[str | Ref] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not any(isinstance(p, Ref) for p in merged):
        return "".join(merged)  # type: ignore[arg-type]
    if len(merged) == 1:
        return merged[0]
    return Template(tuple(merged))


class _Interpolator:
    """Resolves ``${...}`` in the strings of one file."""

    def __init__(
        self,
        env: Mapping[str, str],
        directory: Path,
        positions: Positions,
        issues: list[Issue],
        unset_env_ok: bool = False,
    ):
        self.env = env
        self.unset_env_ok = unset_env_ok
        self.directory = directory
        self.positions = positions
        self.issues = issues
        self.failed: set[str] = set()  # doc paths whose ${...} could not be resolved
        self._sourced: set[str] = set()  # doc paths whose value came from ${env:...} or ${file:...}
        self._files: dict[Path, str | OSError] = {}

    def from_source(self, doc_path: str) -> bool:
        return doc_path in self._sourced

    def string(self, text: str, doc_path: str, *, refs_allowed: bool) -> str | Ref | Template:
        """Resolve every ``${...}`` in ``text``; references become ``Ref``/``Template``."""
        loc = self.positions.near(doc_path)
        parts: list[str | Ref] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            parts.append(text[pos : m.start()])
            pos = m.end()
            token = m.group(0)
            if token == "$${":
                parts.append("${")
            elif token == "${":
                message = 'unterminated "${" (no closing "}"); close it, or write $${ for a literal "${"'
                self._issue(message, loc, doc_path)
            else:
                parts.append(self._expression(m.group(1), token, loc, doc_path, refs_allowed))
        parts.append(text[pos:])
        return _assemble(parts)

    def _expression(self, body: str, token: str, loc: Location, doc_path: str, refs_allowed: bool) -> str | Ref:
        if m := _ENV.fullmatch(body):
            self._sourced.add(doc_path)
            return self._env(m.group(1), m.group(2), loc, doc_path)
        if m := _FILE.fullmatch(body):
            self._sourced.add(doc_path)
            return self._file(m.group(1).strip(), token, loc, doc_path)
        if m := _REF.fullmatch(body):
            if refs_allowed:
                return Ref(m.group(1), m.group(2), loc)
            self._issue(
                f'"{token}": references to resources are not allowed here (providers and state are read '
                "before any resource exists); use ${env:NAME} or a literal value",
                loc,
                doc_path,
            )
            return ""
        self._issue(f'unknown interpolation "{token}"; {_SYNTAX_HELP}', loc, doc_path)
        return ""

    def _env(self, name: str, default: str | None, loc: Location, doc_path: str) -> str:
        # As in the shell's ${NAME:-default}, an empty variable counts as unset: an empty credential
        # is never what was meant, and `${env:NAME:-}` still says "empty is fine" explicitly.
        value = self.env.get(name)
        if value:
            return value
        if default is not None:
            return default
        if self.unset_env_ok:
            self.failed.add(doc_path)  # unknown here, not wrong: its own checks are skipped
            return f"${{env:{name}}}"
        empty = " (it is empty)" if value is not None else ""
        self._issue(
            f"environment variable {name} is not set{empty}; export it (export {name}=...) "
            f"or give a default: ${{env:{name}:-default}}",
            loc,
            doc_path,
        )
        return ""

    def _file(self, name: str, token: str, loc: Location, doc_path: str) -> str:
        path = (self.directory / Path(name).expanduser()).resolve()
        if path not in self._files:
            try:
                self._files[path] = path.read_text(encoding="utf-8")
            except OSError as exc:
                self._files[path] = exc
            except UnicodeDecodeError:
                self._files[path] = OSError(0, "not UTF-8 text")
        content = self._files[path]
        if isinstance(content, OSError):
            self._issue(
                f'cannot read "{token}": {content.strerror or content} ({path}); '
                "paths are relative to the manifest file's directory",
                loc,
                doc_path,
            )
            return ""
        return content

    def _issue(self, message: str, loc: Location, doc_path: str) -> None:
        self.failed.add(doc_path)
        self.issues.append(Issue(message, loc.file, loc.line, loc.column, _display_path(doc_path) or None))
