"""The project's structural rules, enforced: adding a kind touches its module, one registration
line, its schema, an example; only cli.py imports click; the sandbox never imports clients."""

from __future__ import annotations

import re
from pathlib import Path

from provisioner import registry
from provisioner.schema import kind_schemas

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "provisioner"


def test_every_registered_kind_has_a_schema_and_every_schema_a_kind():
    assert set(registry.all_kinds()) == set(kind_schemas())
    for name, kind in registry.all_kinds().items():
        assert (ROOT / "schemas" / kind.schema).is_file(), name
        assert name == f"{kind.provider}.{Path(kind.schema).name.removesuffix('.schema.json')}"


def test_every_kind_is_used_by_an_example():
    examples = "\n".join(p.read_text() for p in (ROOT / "examples").glob("*.yaml"))
    for name in registry.all_kinds():
        assert f"type: {name}" in examples, f"no example uses {name}"


def test_declared_behaviour_is_consistent():
    for name, kind in registry.all_kinds().items():
        assert set(kind.natural_key) <= set(kind.replace_on) or not kind.natural_key, name
        if kind.non_fungible:
            assert kind.default_on_delete.value == "retain", (
                f"{name}: non-fungible objects must not be released by default"
            )
        assert kind.title, name


def test_only_the_cli_imports_click():
    offenders = [
        p.relative_to(ROOT)
        for p in PKG.rglob("*.py")
        if p.name != "cli.py" and re.search(r"^\s*(import click|from click)", p.read_text(), re.M)
    ]
    assert offenders == []


def test_sandbox_never_imports_provider_clients():
    for p in (PKG / "sandbox").rglob("*.py"):
        text = p.read_text()
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", text, re.M)
        assert not [m for m in imports if re.match(r"(\.\.|provisioner\.)(providers|http|plan|apply)", m)], p


def test_library_errors_come_from_one_tree():
    raised = set()
    for p in PKG.rglob("*.py"):
        if "sandbox" in p.parts or p.name == "httpclient.py":  # the transport's own tree: see below
            continue
        raised.update(re.findall(r"raise (\w+Error)\(", p.read_text()))
    import builtins

    raised = {n for n in raised if not hasattr(builtins, n)}  # internal, converted before leaving the module
    from provisioner import errors

    for name in raised:
        cls = getattr(errors, name, None)
        assert cls is not None and issubclass(cls, errors.ProvisionerError), f"{name} is not in provisioner.errors"


def test_transport_errors_are_one_tree_that_only_the_http_edge_sees():
    """httpclient keeps httpx's exception tree (retry safety reads it); http.py and the token
    fetchers convert it to ProviderAPIError, so nothing past the provider clients meets it."""
    from provisioner import httpclient

    raised = set(re.findall(r"raise (\w+)\(", (PKG / "httpclient.py").read_text()))
    assert raised and all(issubclass(getattr(httpclient, n), httpclient.HTTPError) for n in raised)
    users = {p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py") if "httpclient" in p.read_text()}
    assert users == {
        "http.py",
        "apply.py",  # reads the cause of a ProviderAPIError: may a timed-out write still land?
        "workspace.py",  # the sandbox's endpoint map
        "providers/vonage/client.py",
        "providers/sinch/client.py",
        "providers/infobip/client.py",
    }


def test_the_wheel_ships_every_package_and_every_schema():
    """pyproject lists packages by hand (schemas/ ships as provisioner.schemas), so a new
    subpackage or schema folder must be added there; a regular `pip install` would lack it."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in PKG.rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"provisioner.schemas"}
    assert config["package-dir"] == {"provisioner.schemas": "schemas"}
    globs = config["package-data"]["provisioner.schemas"]
    schemas = [p.relative_to(ROOT / "schemas").as_posix() for p in (ROOT / "schemas").rglob("*.json")]
    assert schemas and all(any(fnmatch.fnmatch(s, g) and s.count("/") == g.count("/") for g in globs) for s in schemas)
