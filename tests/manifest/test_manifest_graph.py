"""Dependency order: topological, ties in manifest order; reverse for deletes; cycles named."""

from __future__ import annotations

import pytest

from provisioner.errors import ManifestError
from provisioner.graph import dependency_order, reverse_order
from provisioner.model import DesiredResource, Location, Options, Ref, Template


def resource(name: str, *refs: str, depends_on: tuple[str, ...] = (), line: int = 1) -> DesiredResource:
    props = {
        f"field{i}": Ref(target, "id", Location("m.yaml", line, 10 + i)) for i, target in enumerate(refs)
    }
    return DesiredResource(
        name=name,
        kind="vonage.application",
        properties=props,
        options=Options(depends_on=depends_on),
        location=Location("m.yaml", line, 3),
    )


def manifest(*resources: DesiredResource) -> dict[str, DesiredResource]:
    return {r.name: r for r in resources}


def test_independent_resources_keep_manifest_order() -> None:
    res = manifest(resource("c"), resource("a"), resource("b"))
    assert dependency_order(res) == ["c", "a", "b"]
    assert reverse_order(res) == ["b", "a", "c"]


def test_dependencies_come_first_and_ties_follow_the_manifest() -> None:
    res = manifest(
        resource("number-1", "app"),
        resource("number-2", "app"),
        resource("app"),
        resource("other"),
        resource("number-3", depends_on=("other",)),
    )
    order = dependency_order(res)
    assert order == ["app", "number-1", "number-2", "other", "number-3"]
    assert reverse_order(res) == order[::-1]


def test_references_inside_templates_and_nested_values_count() -> None:
    nested = DesiredResource(
        name="b",
        kind="vonage.application",
        properties={"capabilities": {"voice": {"webhooks": [Template(("https://", Ref("a", "id"), "/x"))]}}},
        options=Options(),
        location=Location("m.yaml", 1, 1),
    )
    assert dependency_order(manifest(nested, resource("a"))) == ["a", "b"]


def test_unknown_dependencies_and_self_edges_are_ignored() -> None:
    res = manifest(resource("a", "missing", "a"), resource("b", depends_on=("nowhere",)))
    assert dependency_order(res) == ["a", "b"]


def test_a_cycle_is_named_with_the_location_of_a_reference() -> None:
    res = manifest(resource("a", "b", line=4), resource("b", "c", line=9), resource("c", "a", line=14))
    with pytest.raises(ManifestError) as info:
        dependency_order(res)
    (issue,) = info.value.issues
    assert "dependency cycle: a → b → c → a" in issue.message
    assert (issue.file, issue.line, issue.column) == ("m.yaml", 4, 10)  # where a refers to b
    assert issue.path == "a"


def test_a_depends_on_cycle_points_at_the_resource() -> None:
    res = manifest(
        resource("x"), resource("a", depends_on=("b",), line=5), resource("b", depends_on=("a",), line=8)
    )
    with pytest.raises(ManifestError) as info:
        reverse_order(res)
    (issue,) = info.value.issues
    assert "dependency cycle: a → b → a" in issue.message
    assert (issue.line, issue.column) == (5, 3)
