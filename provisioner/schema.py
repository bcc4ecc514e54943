"""JSON Schemas under ``schemas/``: discovery, fast checking, and human error messages.

The schemas are the single source of truth for validation and editor completion. jsonschema
(Draft 2020-12) is the reference for what is valid and produces the detailed errors; but it costs
tens of microseconds per resource, too slow for manifests with thousands of resources. So each
schema is also compiled once into plain Python predicates (``_Compiler``) that answer "valid?"
quickly, and jsonschema runs only for instances the predicate rejects. Keywords the compiler does
not know are delegated to jsonschema, so the fast path can be slow but never wrong.

``Ref``/``Template`` values (``${app.id}``) are unknown until apply: both paths treat them as
strings whose content cannot be checked, and the caller checks reference types separately.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use: most runs never need jsonschema (~60 ms to import)
    from jsonschema import Draft202012Validator, ValidationError

from .model import Ref, Template

JsonPath = tuple[str | int, ...]
Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "$anchor",
    }
)


# ---------------------------------------------------------------- files


def schemas_dir() -> Path:
    """The JSON Schemas: ``provisioner/schemas/`` in an installed wheel, else the repository's
    ``schemas/`` (a checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    installed = here / "schemas"
    return installed if (installed / "manifest.schema.json").exists() else here.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema by its path under ``schemas/``, e.g. ``vonage/number.schema.json``."""
    with (schemas_dir() / name).open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@cache
def _kind_files() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(schemas_dir().glob("*/*.schema.json")):
        kind = f"{path.parent.name}.{path.name.removesuffix('.schema.json')}"
        found[kind] = f"{path.parent.name}/{path.name}"
    return found


def kind_schemas() -> dict[str, dict[str, Any]]:
    """Kind name (``vonage.application``) → schema, from ``schemas/<provider>/<resource>.schema.json``."""
    return dict(_kind_schema_map())


@cache
def _kind_schema_map() -> dict[str, dict[str, Any]]:
    return {kind: load_schema(name) for kind, name in _kind_files().items()}


def is_kind(name: str) -> bool:
    return name in _kind_schema_map()


@cache
def loader_manifest_schema() -> dict[str, Any]:
    """``manifest.schema.json`` as the loader uses it.

    The editor view lists kinds in an enum and pulls in each kind's schema via ``if``/``then``.
    The loader checks kinds itself (with did-you-mean suggestions, after interpolation), so those
    two editor-only parts are swapped out here.
    """
    schema = load_schema("manifest.schema.json")
    defs = dict(schema["$defs"])
    resource = dict(defs["resource"])
    resource["properties"] = {**resource["properties"], "type": {"type": "string", "minLength": 1}}
    defs["resource"] = resource
    defs["kind_properties"] = True
    return {**schema, "$defs": defs}


# ---------------------------------------------------------------- checkers


@dataclass(frozen=True)
class Problem:
    """One schema violation, in plain language.

    ``path`` is the object or field the message is about; ``at`` is where to point: the KEY at that
    path when ``at_key`` (unknown or conflicting fields), else the value.
    """

    path: JsonPath
    message: str
    at: JsonPath
    at_key: bool = False


class SchemaChecker:
    """A schema compiled for fast checks, with jsonschema behind it for the detailed errors."""

    def __init__(self, schema: Mapping[str, Any] | bool) -> None:
        self.schema = schema
        self._jsonschema: Draft202012Validator | None = None
        root = schema if isinstance(schema, Mapping) else {}
        self._fast = _Compiler(root, lambda: self._validator).compile(schema)

    @property
    def _validator(self) -> Draft202012Validator:
        """jsonschema, built only when the fast check fails or meets a keyword it does not compile."""
        if self._jsonschema is None:
            from jsonschema import Draft202012Validator

            self._jsonschema = Draft202012Validator(self.schema)  # type: ignore[arg-type]
        return self._jsonschema

    def is_valid(self, instance: Any) -> bool:
        return self._fast(instance)

    def problems(self, instance: Any, unchecked: Container[JsonPath] = ()) -> list[Problem]:
        """Every problem in ``instance``; nothing at or below a path in ``unchecked`` (references)."""
        if self._fast(instance):
            return []
        out: list[Problem] = []
        for error in self._validator.iter_errors(instance):
            path = tuple(error.absolute_path)
            if unchecked and any(path[:i] in unchecked for i in range(len(path) + 1)):
                continue
            out.extend(describe(error, self.schema))
        return _dedupe(out)


@cache
def kind_checker(kind: str) -> SchemaChecker:
    return SchemaChecker(_kind_schema_map()[kind])


@cache
def manifest_checker() -> SchemaChecker:
    """The top level of a file; ``resources`` entries are checked one by one (``resource_checker``)."""
    schema = loader_manifest_schema()
    props = dict(schema["properties"])
    props["resources"] = {k: v for k, v in props["resources"].items() if k == "type" or k == "description"}
    return SchemaChecker({**schema, "properties": props})


@cache
def resource_name_checker() -> SchemaChecker:
    return SchemaChecker(loader_manifest_schema()["properties"]["resources"]["propertyNames"])


@cache
def resource_checker() -> SchemaChecker:
    schema = loader_manifest_schema()
    return SchemaChecker({"$ref": "#/$defs/resource", "$defs": schema["$defs"]})


# ---------------------------------------------------------------- declared paths


@cache
def property_paths(kind: str) -> dict[str, dict[str, Any]]:
    """Every property path the kind's schema declares (``capabilities.voice.region``) → its schema."""
    root = _kind_schema_map()[kind]
    out: dict[str, dict[str, Any]] = {}

    def walk(schema: Any, prefix: str, depth: int) -> None:
        schema = resolve_ref(root, schema)
        if not isinstance(schema, Mapping) or depth > 12:
            return
        for name, sub in schema.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            out[path] = resolve_ref(root, sub)
            walk(sub, path, depth + 1)

    walk(root, "", 0)
    return out


def schema_types(schema: Mapping[str, Any] | None) -> frozenset[str] | None:
    """The JSON types a schema allows, or None when it does not say."""
    if not isinstance(schema, Mapping) or "type" not in schema:
        return None
    t = schema["type"]
    return frozenset([t] if isinstance(t, str) else t)


def resolve_ref(root: Mapping[str, Any], schema: Any) -> Any:
    """Follow local ``#/...`` references, merging sibling keywords (2020-12 allows them)."""
    for _ in range(32):  # bounded: a reference loop must not hang the loader
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            break
        schema = {**_pointer(root, ref), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _pointer(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# ---------------------------------------------------------------- the fast path


def _is_unknown_value(x: Any) -> bool:
    return isinstance(x, (Ref, Template))


def _type_ok(x: Any, t: str) -> bool:
    if t == "string":
        return isinstance(x, (str, Ref, Template))
    if t == "object":
        return isinstance(x, dict)
    if t == "array":
        return isinstance(x, list)
    if t == "boolean":
        return isinstance(x, bool)
    if t == "null":
        return x is None
    if isinstance(x, bool):
        return False
    if t == "integer":
        return isinstance(x, int) or (isinstance(x, float) and x.is_integer())
    if t == "number":
        return isinstance(x, (int, float))
    return False


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) in (int, float, str) and type(b) in (int, float, str) and a == b


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        for c in checks:
            if not c(x):
                return False
        return True

    return check


class _Compiler:
    def __init__(self, root: Mapping[str, Any], validator: Callable[[], Draft202012Validator]) -> None:
        self.root = root
        self.validator = validator
        self._refs: dict[str, Check] = {}
        self._compiling: set[str] = set()

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if any(k not in _KEYWORDS and k not in _ANNOTATIONS and not k.startswith("x-") for k in schema):
            # A keyword we do not compile: let jsonschema judge this subschema.
            return self._delegate(schema)
        fused, used = _fuse(self, schema)
        checks: list[Check] = [fused] if fused is not None else []
        for keyword in _ORDER:
            if keyword in schema and keyword not in used:
                made = _KEYWORDS[keyword](self, schema[keyword], schema)
                if made is not None:
                    checks.append(made)
        return _all(checks)

    def _delegate(self, schema: Any) -> Check:
        """A check jsonschema makes, built on its first call (so compiling imports nothing)."""
        made: list[Any] = []

        def check(x: Any) -> bool:
            if not made:
                made.append(self.validator().evolve(schema=schema))
            return made[0].is_valid(x)  # type: ignore[no-any-return]

        return check

    def ref(self, target: str) -> Check:
        if not target.startswith("#"):
            return self._delegate({"$ref": target})
        if target in self._refs:
            return self._refs[target]
        if target in self._compiling:  # a recursive schema: bind late
            return lambda x: self._refs[target](x)
        self._compiling.add(target)
        self._refs[target] = self.compile(_pointer(self.root, target))
        self._compiling.discard(target)
        return self._refs[target]


# Fused checks for the common shapes (a typed scalar with its constraints, an object with its
# properties): one call per value instead of one per keyword.
_STRING_KEYS = frozenset({"type", "pattern", "enum", "minLength", "maxLength"})
_NUMBER_KEYS = frozenset({"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_OBJECT_KEYS = frozenset({"type", "properties", "patternProperties", "additionalProperties", "required"})


def _fuse(c: _Compiler, schema: Mapping[str, Any]) -> tuple[Check | None, frozenset[str]]:
    t = schema.get("type")
    if t == "string":
        enum = schema.get("enum")
        if enum is not None and not all(isinstance(e, str) for e in enum):
            return None, frozenset()
        return _fused_string(schema), _STRING_KEYS
    if t in ("integer", "number"):
        return _fused_number(schema, t == "integer"), _NUMBER_KEYS
    if t == "boolean":
        return (lambda x: x.__class__ is bool), frozenset({"type"})
    if t == "object":
        return _fused_object(c, schema), _OBJECT_KEYS
    return None, frozenset()


def _fused_string(schema: Mapping[str, Any]) -> Check:
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    enum = frozenset(schema["enum"]) if "enum" in schema else None
    low, high = schema.get("minLength", 0), schema.get("maxLength")

    def check(x: Any) -> bool:
        if isinstance(x, str):
            if search is not None and search(x) is None:
                return False
            if enum is not None and x not in enum:
                return False
            return len(x) >= low and (high is None or len(x) <= high)
        return x.__class__ is Ref or x.__class__ is Template

    return check


def _fused_number(schema: Mapping[str, Any], integer: bool) -> Check:
    low, high = schema.get("minimum"), schema.get("maximum")
    xlow, xhigh = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")

    def check(x: Any) -> bool:
        cls = x.__class__
        if not (cls is int or (cls is float and (not integer or x.is_integer()))):
            return False
        return (
            (low is None or x >= low)
            and (high is None or x <= high)
            and (xlow is None or x > xlow)
            and (xhigh is None or x < xhigh)
        )

    return check


def _fused_object(c: _Compiler, schema: Mapping[str, Any]) -> Check:
    named = {k: c.compile(v) for k, v in schema.get("properties", {}).items()}
    patterns = [(re.compile(p).search, c.compile(s)) for p, s in schema.get("patternProperties", {}).items()]
    extra_schema = schema.get("additionalProperties", True)
    closed = extra_schema is False
    extra = None if extra_schema is True or closed else c.compile(extra_schema)
    required = tuple(schema.get("required", ()))

    def check(x: Any) -> bool:
        if x.__class__ is not dict:
            return False
        for k, v in x.items():
            sub = named.get(k)
            if sub is not None:
                if not sub(v):
                    return False
            elif patterns:
                if not _pattern_properties_ok(k, v, patterns, closed, extra):
                    return False
            elif closed or (extra is not None and not extra(v)):
                return False
        for name in required:
            if name not in x:
                return False
        return True

    return check


def _pattern_properties_ok(
    key: str, value: Any, patterns: list[tuple[Any, Check]], closed: bool, extra: Check | None
) -> bool:
    matched = False
    for search, check in patterns:
        if search(key):
            matched = True
            if not check(value):
                return False
    if matched:
        return True
    return not closed and (extra is None or extra(value))


def _k_type(c: _Compiler, value: Any, schema: Any) -> Check:
    types = [value] if isinstance(value, str) else list(value)
    if len(types) == 1:
        t = types[0]
        return lambda x: _type_ok(x, t)
    return lambda x: any(_type_ok(x, t) for t in types)


def _k_enum(c: _Compiler, value: Any, schema: Any) -> Check:
    options = list(value)
    return lambda x: _is_unknown_value(x) or any(_json_equal(x, o) for o in options)


def _k_const(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: _is_unknown_value(x) or _json_equal(x, value)


def _k_pattern(c: _Compiler, value: Any, schema: Any) -> Check:
    search = re.compile(value).search
    return lambda x: not isinstance(x, str) or search(x) is not None


def _k_min_length(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, str) or len(x) >= value


def _k_max_length(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, str) or len(x) <= value


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _k_minimum(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not _number(x) or x >= value


def _k_maximum(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not _number(x) or x <= value


def _k_exclusive_minimum(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not _number(x) or x > value


def _k_exclusive_maximum(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not _number(x) or x < value


def _k_properties(c: _Compiler, value: Any, schema: Any) -> Check:
    """``properties`` + ``patternProperties`` + ``additionalProperties`` in one pass over the keys."""
    named = {k: c.compile(v) for k, v in value.items()}
    patterns = [(re.compile(p).search, c.compile(s)) for p, s in schema.get("patternProperties", {}).items()]
    extra_schema = schema.get("additionalProperties", True)
    extra = None if extra_schema is True else c.compile(extra_schema)

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        for k, v in x.items():
            sub = named.get(k)
            if sub is not None:
                if not sub(v):
                    return False
                continue
            matched = False
            for search, pcheck in patterns:
                if search(k):
                    matched = True
                    if not pcheck(v):
                        return False
            if not matched and extra is not None and not extra(v):
                return False
        return True

    return check


def _k_pattern_properties(c: _Compiler, value: Any, schema: Any) -> Check | None:
    if "properties" in schema:
        return None  # folded into _k_properties
    return _k_properties(c, {}, schema)


def _k_additional_properties(c: _Compiler, value: Any, schema: Any) -> Check | None:
    if "properties" in schema or "patternProperties" in schema:
        return None  # folded into _k_properties
    return _k_properties(c, {}, schema)


def _k_required(c: _Compiler, value: Any, schema: Any) -> Check:
    names = list(value)
    return lambda x: not isinstance(x, dict) or all(n in x for n in names)


def _k_property_names(c: _Compiler, value: Any, schema: Any) -> Check:
    sub = c.compile(value)
    return lambda x: not isinstance(x, dict) or all(sub(k) for k in x)


def _k_items(c: _Compiler, value: Any, schema: Any) -> Check:
    sub = c.compile(value)
    return lambda x: not isinstance(x, list) or all(sub(i) for i in x)


def _k_unique_items(c: _Compiler, value: Any, schema: Any) -> Check | None:
    if not value:
        return None

    def check(x: Any) -> bool:
        if not isinstance(x, list):
            return True
        return not any(_json_equal(x[i], x[j]) for i in range(len(x)) for j in range(i + 1, len(x)))

    return check


def _k_min_items(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, list) or len(x) >= value


def _k_max_items(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, list) or len(x) <= value


def _k_min_properties(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, dict) or len(x) >= value


def _k_max_properties(c: _Compiler, value: Any, schema: Any) -> Check:
    return lambda x: not isinstance(x, dict) or len(x) <= value


def _k_ref(c: _Compiler, value: Any, schema: Any) -> Check:
    return c.ref(value)


def _k_all_of(c: _Compiler, value: Any, schema: Any) -> Check:
    return _all([c.compile(s) for s in value])


def _k_any_of(c: _Compiler, value: Any, schema: Any) -> Check:
    subs = [c.compile(s) for s in value]
    return lambda x: any(s(x) for s in subs)


def _k_one_of(c: _Compiler, value: Any, schema: Any) -> Check:
    subs = [c.compile(s) for s in value]
    return lambda x: sum(1 for s in subs if s(x)) == 1


def _k_not(c: _Compiler, value: Any, schema: Any) -> Check:
    sub = c.compile(value)
    return lambda x: not sub(x)


def _k_if(c: _Compiler, value: Any, schema: Any) -> Check:
    cond = c.compile(value)
    then = c.compile(schema.get("then", True))
    other = c.compile(schema.get("else", True))
    return lambda x: then(x) if cond(x) else other(x)


def _k_then_else(c: _Compiler, value: Any, schema: Any) -> None:
    return None  # folded into _k_if; alone they mean nothing


def _k_dependent_required(c: _Compiler, value: Any, schema: Any) -> Check:
    deps = {k: list(v) for k, v in value.items()}
    return lambda x: not isinstance(x, dict) or all(all(d in x for d in needed) for k, needed in deps.items() if k in x)


def _k_dependent_schemas(c: _Compiler, value: Any, schema: Any) -> Check:
    deps = {k: c.compile(v) for k, v in value.items()}
    return lambda x: not isinstance(x, dict) or all(sub(x) for k, sub in deps.items() if k in x)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, Any], Check | None]] = {
    "type": _k_type,
    "enum": _k_enum,
    "const": _k_const,
    "pattern": _k_pattern,
    "minLength": _k_min_length,
    "maxLength": _k_max_length,
    "minimum": _k_minimum,
    "maximum": _k_maximum,
    "exclusiveMinimum": _k_exclusive_minimum,
    "exclusiveMaximum": _k_exclusive_maximum,
    "required": _k_required,
    "properties": _k_properties,
    "patternProperties": _k_pattern_properties,
    "additionalProperties": _k_additional_properties,
    "propertyNames": _k_property_names,
    "items": _k_items,
    "uniqueItems": _k_unique_items,
    "minItems": _k_min_items,
    "maxItems": _k_max_items,
    "minProperties": _k_min_properties,
    "maxProperties": _k_max_properties,
    "$ref": _k_ref,
    "allOf": _k_all_of,
    "anyOf": _k_any_of,
    "oneOf": _k_one_of,
    "not": _k_not,
    "if": _k_if,
    "then": _k_then_else,
    "else": _k_then_else,
    "dependentRequired": _k_dependent_required,
    "dependentSchemas": _k_dependent_schemas,
}
# Cheap scalar checks first, so most invalid instances fail before the walk over children.
_ORDER = tuple(_KEYWORDS)


# ---------------------------------------------------------------- human messages


TYPE_WORDS = {  # JSON Schema type → the words messages use
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


def show(value: Any, limit: int = 60) -> str:
    """A value as the user would recognise it from their YAML."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= limit else text[: limit - 4] + '..."'
    if isinstance(value, (Ref, Template)):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` when a close option exists, else ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _hint(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return schema.get("x-hint")  # type: ignore[no-any-return]


def describe(error: ValidationError, root: Mapping[str, Any] | bool | None = None) -> list[Problem]:
    """One jsonschema error → the problems a person should read."""
    path: JsonPath = tuple(error.absolute_path)
    kind = error.validator
    value, instance = error.validator_value, error.instance
    if "propertyNames" in error.relative_schema_path:
        # jsonschema reports a bad key against the object; point at the key itself.
        hint = _hint(error) or "is not an allowed name"
        return [Problem(path, f'name "{instance}" {hint}', path + (instance,), at_key=True)]
    if kind == "additionalProperties" and isinstance(instance, dict):
        return _unknown_fields(error, path, root if isinstance(root, Mapping) else {})
    if kind == "required" and isinstance(instance, dict):
        hint = _hint(error)
        tail = f" ({hint})" if hint else ""
        return [
            Problem(path, f'missing required field "{name}"{tail}', path, at_key=True)
            for name in value
            if name not in instance
        ]
    if kind == "not" and isinstance(instance, dict) and isinstance(value, Mapping) and "required" in value:
        present = [n for n in value["required"] if n in instance]
        at = path + (present[-1],) if present else path
        message = _hint(error) or f"{' and '.join(present)} cannot be used together; keep one"
        return [Problem(path, message, at, at_key=True)]
    return [Problem(path, _message(kind, value, instance, error), path)]


def _unknown_fields(error: ValidationError, path: JsonPath, root: Mapping[str, Any]) -> list[Problem]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    allowed = list(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    out = []
    for key in error.instance:
        if key in allowed or any(p.search(key) for p in patterns):
            continue
        hint = suggest(key, allowed) or _suggest_nested(key, schema, root)
        if not hint:
            hint = f"; expected one of: {', '.join(allowed)}" if allowed else "; this mapping takes no fields"
        out.append(Problem(path, f'unknown field "{key}"{hint}', path + (key,), at_key=True))
    return out


def _suggest_nested(key: str, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """A field written a level too high: ``voice.answr_url`` → ``(did you mean "webhooks.answer_url"?)``."""
    below: dict[str, str] = {}  # leaf name → path relative to ``schema``

    def walk(sub: Any, prefix: str, depth: int) -> None:
        sub = resolve_ref(root, sub)
        if not isinstance(sub, Mapping) or depth > 3:
            return
        for name, child in sub.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            if prefix:
                below.setdefault(name, path)
            walk(child, path, depth + 1)

    walk(schema, "", 0)
    close = difflib.get_close_matches(key, list(below), n=1, cutoff=0.75)
    return f' (did you mean "{below[close[0]]}"?)' if close else ""


def _message(kind: str, value: Any, instance: Any, error: ValidationError) -> str:
    hint = _hint(error)
    if kind == "type":
        expected = [value] if isinstance(value, str) else list(value)
        want = " or ".join(TYPE_WORDS.get(t, t) for t in expected)
        msg = f"expected {want}, got {show(instance)}"
        if "string" in expected and isinstance(instance, (int, float)):
            msg += f'; quote it: "{_yaml_text(instance)}"'
        return msg
    if kind == "enum":
        return f"must be one of {', '.join(str(v) for v in value)}, got {show(instance)}"
    if kind == "const":
        return f"must be {show(value)}, got {show(instance)}" + (f"; {hint}" if hint else "")
    if kind == "pattern":
        return f"{hint or f'must match {value}'}, got {show(instance)}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "exclusiveMinimum": "more than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }[kind]
        return f"must be {words} {value}, got {show(instance)}"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters long"
    if kind == "maxLength":
        return f"must be at most {value} characters long"
    if kind == "uniqueItems":
        return "lists the same item more than once; remove the repeats"
    return hint or error.message


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def path_text(path: JsonPath) -> str:
    """``("capabilities", "voice", 0)`` → ``capabilities.voice[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def subschema_at(kind: str, path: JsonPath) -> Mapping[str, Any] | None:
    """The kind schema's subschema for a property path (keys and list indexes), or None."""
    root = _kind_schema_map()[kind]
    schema: Any = resolve_ref(root, root)
    for part in path:
        if not isinstance(schema, Mapping):
            return None
        if isinstance(part, int):
            schema = schema.get("items")
        else:
            props = schema.get("properties", {})
            schema = props[part] if part in props else schema.get("additionalProperties")
        schema = resolve_ref(root, schema)
    return schema if isinstance(schema, Mapping) else None
