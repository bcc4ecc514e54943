"""Dependency order of resources: references plus ``options.depends_on`` (graphlib)."""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Issue, ManifestError
from .model import DesiredResource, Location, Ref, Template, iter_refs


def dependency_order(resources: Mapping[str, DesiredResource]) -> list[str]:
    """Names so that every resource comes after what it depends on.

    Among resources that are ready at the same time, manifest order wins, so the order is stable
    and reads like the manifest. Dependencies on names not in ``resources`` are ignored (the loader
    reports those). A cycle raises ``ManifestError`` naming it.
    """
    return order(resources, {name: _dependencies(res) for name, res in resources.items()})


def reverse_order(resources: Mapping[str, DesiredResource]) -> list[str]:
    """Delete order: dependents before what they depend on."""
    return dependency_order(resources)[::-1]


def order(resources: Mapping[str, DesiredResource], dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """``dependency_order`` with the edges already known."""
    index = {name: i for i, name in enumerate(resources)}
    sorter = _prepared(resources, dependencies, index)
    # Hand out one ready node at a time, lowest manifest index first.
    ready = [(index[n], n) for n in sorter.get_ready()]
    heapq.heapify(ready)
    result: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        result.append(name)
        sorter.done(name)
        for n in sorter.get_ready():
            heapq.heappush(ready, (index[n], n))
    return result


def check_cycles(resources: Mapping[str, DesiredResource], dependencies: Mapping[str, Iterable[str]]) -> None:
    """Raise ``ManifestError`` naming a cycle, if there is one (the loader needs no order)."""
    _prepared(resources, dependencies, {name: i for i, name in enumerate(resources)})


def _prepared(
    resources: Mapping[str, DesiredResource],
    dependencies: Mapping[str, Iterable[str]],
    index: Mapping[str, int],
) -> graphlib.TopologicalSorter[str]:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in resources:
        deps = [d for d in dependencies.get(name, ()) if d in index and d != name]
        sorter.add(name, *sorted(deps, key=index.__getitem__))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise ManifestError(_cycle_issue(exc.args[1], resources, index)) from None
    return sorter


def _dependencies(resource: DesiredResource) -> set[str]:
    """``DesiredResource.dependencies()`` without recursion: big manifests have many properties."""
    deps = set(resource.options.depends_on)
    stack: list[Any] = [resource.properties]
    while stack:
        value = stack.pop()
        if isinstance(value, Ref):
            deps.add(value.resource)
        elif isinstance(value, Template):
            deps.update(p.resource for p in value.parts if isinstance(p, Ref))
        elif isinstance(value, Mapping):
            stack.extend(v for v in value.values() if not isinstance(v, str))
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    deps.discard(resource.name)
    return deps


def _cycle_issue(
    cycle: list[str], resources: Mapping[str, DesiredResource], index: Mapping[str, int]
) -> Issue:
    # graphlib lists a cycle along "is needed by"; reverse it to read "refers to".
    nodes = list(reversed(cycle[:-1]))
    start = min(range(len(nodes)), key=lambda i: index[nodes[i]])
    nodes = nodes[start:] + nodes[:start]
    text = " → ".join(nodes + [nodes[0]])
    first, second = nodes[0], nodes[1 % len(nodes)]
    loc = _edge_location(resources[first], second)
    return Issue(
        f"dependency cycle: {text}; remove one of these references or depends_on entries",
        loc.file,
        loc.line,
        loc.column,
        first,
    )


def _edge_location(resource: DesiredResource, target: str) -> Location:
    """Where ``resource`` refers to ``target``: the reference if any, else the resource itself."""
    for ref in iter_refs(resource.properties):
        if ref.resource == target and ref.location is not None:
            return ref.location
    return resource.location
