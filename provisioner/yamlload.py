"""YAML → plain values plus a side table of where every key and value was written.

Values come back as plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None`` so the rest
of the loader never sees YAML node classes. Positions live in ``Positions``, keyed by dotted path
(``resources.app.properties.capabilities.voice``; list items as ``ignore_changes[0]``).

Scalars follow the YAML 1.2 core schema rather than PyYAML's YAML 1.1 defaults: ``NO`` (Norway),
``on``, ``yes`` and ``2024-01-01`` stay strings, because silently turning a country code into
``False`` is the classic YAML trap. Duplicate keys are reported instead of silently keeping one.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Issue
from .model import Location

try:  # libyaml parses several times faster and still gives node marks
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# (container, key or list index, dotted path) of a string value containing "${".
Dollar = tuple[Any, Any, str]

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MERGE = (_TAG + t for t in ("str", "int", "float", "bool", "null", "merge"))
SEQ, MAP = _TAG + "seq", _TAG + "map"

_PLAIN = re.compile(
    r"""(?P<null>~|null|Null|NULL|)
      | (?P<bool>true|True|TRUE|false|False|FALSE)
      | (?P<int>[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)
      | (?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))
      | (?P<merge><<)""",
    re.VERBOSE,
)
_PLAIN_TAGS = {"null": NULL, "bool": BOOL, "int": INT, "float": FLOAT, "merge": MERGE}
# A plain scalar can only be non-string if it starts with one of these (or is empty).
_NON_STR_START = frozenset("~nNtTfF-+0123456789.<")


class ManifestYamlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2 core scalars; ``load_yaml`` walks its nodes to keep positions."""

    saw_merge = False  # set once a "<<" key is seen, so merge handling costs nothing otherwise

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (not value or value[0] in _NON_STR_START):
                m = _PLAIN.fullmatch(value or "")
                if m is not None:
                    if m.lastgroup == "merge":
                        self.saw_merge = True
                    return _PLAIN_TAGS[m.lastgroup]  # type: ignore[index]
            return STR
        return SEQ if kind is SequenceNode else MAP

    # PyYAML's path resolvers are not used: no-op hooks skip their bookkeeping on every node.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


@dataclass
class Positions:
    """Where each dotted path was written in one file: its value's and its key's start.

    The table holds character offsets into the text and turns them into ``Location`` only when
    asked: a big manifest has hundreds of thousands of positions, and plain ints cost neither
    allocations nor garbage-collector time for as long as the manifest lives.
    """

    file: str
    text: str = ""
    values: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list, repr=False)
    _buckets: dict[str, list[str]] | None = field(default=None, repr=False)

    def location(self, offset: int) -> Location:
        if not self._line_starts:
            # splitlines() breaks where YAML does (\r\n, \r, \n, NEL, LS, PS); the other characters
            # it splits on are control characters the parser has already refused.
            self._line_starts = list(itertools.accumulate(map(len, self.text.splitlines(True)), initial=0))
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.file, line, offset - self._line_starts[line - 1] + 1)

    def value(self, path: str) -> Location | None:
        offset = self.values.get(path)
        return self.location(offset) if offset is not None else None

    def key(self, path: str) -> Location | None:
        offset = self.keys.get(path)
        return self.location(offset) if offset is not None else None

    def paths_under(self, prefix: str) -> list[str]:
        """Value paths starting with ``prefix`` (which ends with "."), e.g. one resource's properties.

        Prefixes of three segments (``resources.app.properties.``) are served from an index built on
        first use, so listing every resource's fields stays linear in the size of the file.
        """
        if prefix.count(".") != 3:
            return [p for p in self.values if p.startswith(prefix) and len(p) > len(prefix)]
        if self._buckets is None:
            self._buckets = {}
            for p in self.values:
                parts = p.split(".", 3)
                if len(parts) == 4 and parts[3]:
                    self._buckets.setdefault(".".join(parts[:3]) + ".", []).append(p)
        return self._buckets.get(prefix, [])

    def near(self, path: str, *, prefer_key: bool = False) -> Location:
        """The closest known location: ``path`` itself, else its nearest written ancestor."""
        while True:
            loc = (self.key(path) or self.value(path)) if prefer_key else (self.value(path) or self.key(path))
            if loc is not None:
                return loc
            if not path:
                return Location(self.file, 1, 1)
            path = parent_path(path)


class SubtreeLocations(Mapping[str, Location]):
    """``Positions.values`` seen from below one prefix, built lazily (no per-resource copying)."""

    def __init__(self, positions: Positions, prefix: str) -> None:
        self._positions = positions
        self._prefix = prefix

    def __getitem__(self, path: str) -> Location:
        loc = self._positions.value(self._prefix + path)
        if loc is None:
            raise KeyError(path)
        return loc

    def __iter__(self) -> Iterator[str]:
        n = len(self._prefix)
        return (p[n:] for p in self._positions.paths_under(self._prefix))

    def __len__(self) -> int:
        return len(self._positions.paths_under(self._prefix))

    def __repr__(self) -> str:
        return f"SubtreeLocations({self._positions.file!r}, {self._prefix!r})"


@dataclass
class YamlDocument:
    data: Any
    positions: Positions
    issues: list[Issue]
    # String values containing "${" as (container, key or index, path): all interpolation visits.
    dollars: list[Dollar] = field(default_factory=list)


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def split_path(path: str) -> tuple[str | int, ...]:
    """``a.b[2].c`` → ``("a", "b", 2, "c")`` (the inverse of ``child_path`` for dot-free keys)."""
    out: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return tuple(out)


def parent_path(path: str) -> str:
    """``a.b[2]`` → ``a.b`` → ``a`` → ``""``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document. Syntax errors and duplicate keys come back as issues."""
    positions = Positions(file, text)
    loader = ManifestYamlLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return YamlDocument(None, positions, [_syntax_issue(exc, file)])
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare (e.g. bad encoding)
        return YamlDocument(None, positions, [Issue(f"invalid YAML: {exc}", file)])
    finally:
        loader.dispose()
    if node is None:
        return YamlDocument(None, positions, [])
    walker = _Walker(positions, loader.saw_merge)
    data = walker.value(node, "")
    dollars = walker.dollars
    if loader.saw_merge:
        # Merged and overriding keys can record one slot twice; the last record is the live one.
        last = {(id(container), key): (container, key, sub) for container, key, sub in dollars}
        dollars = [d for d in last.values() if isinstance(d[0][d[1]], str) and "${" in d[0][d[1]]]
    return YamlDocument(data, positions, walker.issues, dollars)


def _syntax_issue(exc: yaml.MarkedYAMLError, file: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "syntax error"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        what = f"{what} ({exc.context} at line {exc.context_mark.line + 1})"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return Issue(f"invalid YAML: {what}; check indentation, quoting and ':' placement", file, line, column)


class _Walker:
    """Turns a node tree into plain values, recording positions and collecting issues.

    This runs once per node of possibly huge files, so the common case (a plain string scalar
    under a mapping key) is handled inline in ``_mapping``.
    """

    def __init__(self, positions: Positions, has_merges: bool) -> None:
        self.positions = positions
        self.has_merges = has_merges
        self.issues: list[Issue] = []
        self.dollars: list[Dollar] = []
        self._active: set[int] = set()  # collections being walked: a revisit is a recursive alias

    def _issue(self, node: Node, message: str, path: str) -> None:
        mark = node.start_mark
        self.issues.append(Issue(message, self.positions.file, mark.line + 1, mark.column + 1, path or None))

    def value(self, node: Node, path: str) -> Any:
        self.positions.values[path] = node.start_mark.index
        cls = node.__class__
        if cls is ScalarNode:
            return node.value if node.tag == STR else self._scalar(node, path)  # type: ignore[arg-type]
        if id(node) in self._active:
            self._issue(node, "recursive YAML alias: an anchor cannot contain itself", path)
            return None
        self._active.add(id(node))
        try:
            if cls is MappingNode:
                return self._mapping(node, path)  # type: ignore[arg-type]
            return self._sequence(node, path)  # type: ignore[arg-type]
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        tag, text = node.tag, node.value
        try:
            if tag == INT:
                return _to_int(text)
            if tag == FLOAT:
                return _to_float(text)
        except ValueError:
            self._issue(node, f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}", path)
            return text
        if tag == BOOL:
            return text.lower() == "true"
        if tag == NULL:
            return None
        self._issue(node, f"unsupported YAML tag {tag}; write a plain value", path)
        return text

    def _sequence(self, node: SequenceNode, path: str) -> list[Any]:
        if node.tag != SEQ:
            self._issue(node, f"unsupported YAML tag {node.tag}; use a plain list", path)
        out: list[Any] = []
        for i, item in enumerate(node.value):
            sub = f"{path}[{i}]"
            value = self.value(item, sub)
            if value.__class__ is str and "${" in value:
                self.dollars.append((out, i, sub))
            out.append(value)
        return out

    def _mapping(self, node: MappingNode, path: str) -> dict[str, Any]:
        if node.tag != MAP:
            self._issue(node, f"unsupported YAML tag {node.tag}; use a plain mapping", path)
        pairs = node.value
        out: dict[str, Any] = {}
        explicit: dict[str, Any] | set[str] = out
        if self.has_merges and any(k.tag == MERGE for k, _ in pairs):
            out = self._merged([v for k, v in pairs if k.tag == MERGE], node, path)
            explicit = set()
        keys, values, dollars = self.positions.keys, self.positions.values, self.dollars
        prefix = f"{path}." if path else ""
        for key_node, value_node in pairs:
            if key_node.__class__ is not ScalarNode:
                self._issue(key_node, "mapping keys must be plain names, not lists or mappings", path)
                continue
            key = key_node.value  # keys stay as written ("on", "123"), never bool or int
            if key_node.tag == MERGE:
                continue
            if key in explicit:
                first = next(k for k, _ in pairs if k.__class__ is ScalarNode and k.value == key)
                line = first.start_mark.line + 1
                self._issue(key_node, f'duplicate key "{key}" (first at line {line}); keep only one', path)
            if explicit is not out:
                explicit.add(key)  # type: ignore[union-attr]
            sub = prefix + key
            keys[sub] = key_node.start_mark.index
            if value_node.__class__ is ScalarNode and value_node.tag == STR:
                text = value_node.value
                values[sub] = value_node.start_mark.index
                if "${" in text:
                    dollars.append((out, key, sub))
                out[key] = text
            else:
                value = out[key] = self.value(value_node, sub)
                if value.__class__ is str and "${" in value:
                    dollars.append((out, key, sub))
        return out

    def _merged(self, merges: list[Node], node: MappingNode, path: str) -> dict[str, Any]:
        """``<<: *anchor`` merge keys. Walked before the explicit keys, which then override them."""
        sources: list[Node] = []
        for m in merges:
            sources.extend(m.value if isinstance(m, SequenceNode) else [m])
        out: dict[str, Any] = {}
        # Earlier sources win: walk them last so both their values and positions stick.
        for src in reversed(sources):
            if not isinstance(src, MappingNode):
                self._issue(src, "a merge key (<<) takes a mapping or a list of mappings", path)
                continue
            start = len(self.dollars)
            merged = self.value(src, path)
            # Strings found in the source now live in ``out``: point their entries there.
            for i in range(start, len(self.dollars)):
                container, key, sub = self.dollars[i]
                if container is merged:
                    self.dollars[i] = (out, key, sub)
            out.update(merged)
        self.positions.values[path] = node.start_mark.index
        return out


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)
