"""The documentation stays true: the generated reference is current and complete, the CI examples
parse, and every `provision ...` command the docs and examples show exists in the CLI."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from provisioner import registry
from provisioner.cli import cli
from provisioner.ignorefile import load_ignores
from provisioner.schema import load_schema, property_paths

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "ci" / "github" / "provision.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def gen() -> Any:
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_reference", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pages(gen: Any) -> dict[str, str]:
    return gen.generate()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- generated reference


def test_reference_is_up_to_date(gen: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = gen.main(["--check"])
    assert code == 0, capsys.readouterr().err + "\nrun `make docs` (python docs/gen_reference.py) and commit the result"


def test_generation_is_deterministic(gen: Any, pages: dict[str, str]) -> None:
    assert gen.generate() == pages


def _resolve(root: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _schema_paths(root: Mapping[str, Any], node: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Every property path, array items as ``[]`` (independent of the generator's own walk)."""
    node = _resolve(root, node)
    if not isinstance(node, Mapping) or depth > 12:
        return
    for name, sub in node.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path
        yield from _schema_paths(root, sub, path, depth + 1)
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _schema_paths(root, items, f"{prefix}[]", depth + 1)


def test_reference_covers_every_kind_and_field(pages: dict[str, str]) -> None:
    assert {"index.md", "manifest.md"} <= set(pages)
    for name, kind in registry.all_kinds().items():
        page = pages.get(f"{name}.md")
        assert page is not None, f"no reference page for {name}"
        assert f"({name}.md)" in pages["index.md"], f"index does not link {name}"
        root = load_schema(kind.schema)
        declared = set(property_paths(name)) | set(_schema_paths(root, root))
        missing = sorted(p for p in declared if f"| `{p}` |" not in page)
        assert not missing, f"{name}: fields missing from docs/reference/{name}.md: {missing}"
        assert "```yaml" in page and f"type: {name}" in page, f"{name}: no example"
        for key in kind.natural_key:
            assert f"`{key}`" in page.split("## Behaviour", 1)[1], f"{name}: natural key not documented"


def test_manifest_reference_covers_the_top_level(pages: dict[str, str]) -> None:
    root = load_schema("manifest.schema.json")
    page = pages["manifest.md"]
    top = set(_schema_paths(root, root))
    assert {"version", "providers", "state", "resources", "moved"} <= top
    for path in sorted(top):
        assert f"| `{path}` |" in page, f"manifest.md misses {path}"
    options = _resolve(root, root["$defs"]["options"])
    for name in options["properties"]:
        assert f"| `resources.<name>.options.{name}` |" in page, f"manifest.md misses options.{name}"


# ---------------------------------------------------------------- CI examples


def test_github_workflow_parses_and_has_the_three_jobs() -> None:
    wf = yaml.safe_load(GITHUB.read_text())
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    jobs = wf["jobs"]
    assert {"plan", "apply", "drift"} <= set(jobs)
    assert jobs["apply"]["concurrency"]["cancel-in-progress"] is False
    plan_steps = "\n".join(str(s) for s in jobs["plan"]["steps"])
    assert "<!-- provision-plan -->" in plan_steps and "updateComment" in plan_steps
    assert "upload-artifact" in plan_steps
    for var in (
        "VONAGE_API_KEY",
        "VONAGE_API_SECRET",
        "SINCH_PROJECT_ID",
        "SINCH_KEY_ID",
        "SINCH_KEY_SECRET",
        "INFOBIP_BASE_URL",
        "INFOBIP_API_KEY",
        "PROVISION_STATE",
    ):
        assert wf["env"][var] == f"${{{{ secrets.{var} }}}}"


def test_gitlab_pipeline_parses_and_serialises_applies() -> None:
    ci = yaml.safe_load(GITLAB.read_text())
    assert {"validate", "plan", "apply", "drift"} <= set(ci)
    assert ci["apply"]["resource_group"]
    assert ci["drift"]["artifacts"]["reports"]["junit"] == "drift.xml"
    assert any("schedule" in r["if"] for r in ci["drift"]["rules"])
    helper = ROOT / "examples" / "ci" / "gitlab" / "provision_gitlab.py"
    compile(helper.read_text(), str(helper), "exec")


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    hook = next(h for h in hooks if h["id"] == "provision-validate")
    assert hook["entry"] == "provision validate --no-env"  # commits are made without the secrets
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "m/app.yaml") and not re.search(hook["files"], ".github/workflows/ci.yml")
    assert [h["id"] for h in hooks] == ["provision-validate"], "only offline hooks belong here"


# ---------------------------------------------------------------- command lines


def _scripts_of_yaml(path: Path) -> Iterator[str]:
    data = yaml.safe_load(path.read_text())
    if path == HOOKS:
        for hook in data:
            yield " ".join([hook["entry"], *hook.get("args", [])])
        return
    if path.name == "provision.yml":
        for job in data["jobs"].values():
            for step in job.get("steps", []):
                if "run" in step:
                    yield step["run"]
        return
    for job in data.values():  # GitLab
        if isinstance(job, Mapping):
            for key in ("before_script", "script", "after_script"):
                value = job.get(key, [])
                yield from ([value] if isinstance(value, str) else value)


def _code_of_markdown(path: Path) -> Iterator[str]:
    text = path.read_text()
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
        if lang in ("", "sh", "bash", "shell", "console"):
            yield body
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if span.startswith("provision "):
            yield span


TERMINATORS = {";", "&&", "||", "|", "&", ")", "(", ">", ">>", "<", "2>", "then", "do", "fi", "done"}


def _invocations(script: str) -> Iterator[list[str]]:
    """The argument lists of every `provision` run in a shell script (comments and quoted text skipped)."""
    script = script.replace("\\\n", " ")
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:
            tokens = line.split()
        command_position = True
        for i, tok in enumerate(tokens):
            if command_position and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tok):
                continue  # VAR=value before a command
            if command_position and tok == "provision":
                args = []
                for t in tokens[i + 1 :]:
                    if t in TERMINATORS or t.startswith("#"):
                        break
                    args.append(t)
                yield args
            command_position = tok in TERMINATORS or tok in ("if", "!", "else", "elif", "$")


def _sources() -> list[Path]:
    docs = sorted((ROOT / "docs").rglob("*.md"))
    ci = sorted(p for p in (ROOT / "examples" / "ci").rglob("*.md"))
    return [*docs, *ci, GITHUB, GITLAB, HOOKS]


def _check(args: list[str]) -> list[str]:
    """Problems with one invocation against the click command tree."""
    command: click.Command = cli
    where = "provision"
    problems = []
    i = 0
    while i < len(args):
        tok = args[i]
        i += 1
        if tok == "--":
            break
        if tok.startswith("-") and len(tok) > 1:
            name, eq, value = tok.partition("=")
            if name in ("-h", "--help"):
                continue
            option = next(
                (p for p in command.params if isinstance(p, click.Option) and name in (*p.opts, *p.secondary_opts)),
                None,
            )
            if option is None:
                problems.append(f"`{where}` has no option {name}")
                continue
            if not (option.is_flag or option.count) and not eq:
                value = args[i] if i < len(args) else ""
                i += 1
            if isinstance(option.type, click.Choice) and value and not value.startswith("$"):
                if value not in option.type.choices:
                    problems.append(f"`{where} {name}` takes {'|'.join(option.type.choices)}, not {value}")
            continue
        if isinstance(command, click.Group):
            sub = command.commands.get(tok)
            if sub is None:
                problems.append(f"`{where}` has no command {tok!r}")
                break
            command, where = sub, f"{where} {tok}"
    if isinstance(command, click.Group):
        problems.append(f"`{where}` needs a command")
    return problems


def test_command_extraction_finds_the_commands() -> None:
    found = {" ".join(a[:1]) for p in (GITHUB, GITLAB) for s in _scripts_of_yaml(p) for a in _invocations(s)}
    assert {"validate", "plan", "apply", "drift"} <= found
    migrating = [a for s in _code_of_markdown(ROOT / "docs" / "migrating.md") for a in _invocations(s)]
    assert {"export", "plan", "apply", "validate", "import"} <= {a[0] for a in migrating if a}
    assert _check(["plan", "--no-such-flag", "m/"]) and _check(["frobnicate"]) and _check(["drift", "--format", "x"])
    assert not _check(["--sandbox", "plan", "--detailed-exitcode", "m/"])


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shown_command_exists(path: Path) -> None:
    if path.suffix == ".md":
        scripts = list(_code_of_markdown(path))
    else:
        scripts = list(_scripts_of_yaml(path))
    problems = [f"provision {' '.join(args)}: {p}" for s in scripts for args in _invocations(s) for p in _check(args)]
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- migrating guide


def test_migrating_guide_matches_the_manifest_schema(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "migrating.md").read_text()
    options = load_schema("manifest.schema.json")["$defs"]["options"]["properties"]
    for name in set(re.findall(r"options\.([a-z_]+)", text)):
        assert name in options, f"migrating.md mentions options.{name}, which the schema does not have"
    table = text.split("| `on_missing` |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `([a-z]+)` \|", table, re.M))
    assert documented == set(options["on_missing"]["enum"])


def test_migrating_guide_ignore_example_parses(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "migrating.md").read_text()
    example = next(b for b in re.findall(r"^```text\n(.*?)^```", text, re.S | re.M) if "# .provisionignore" in b)
    (tmp_path / ".provisionignore").write_text(example)
    ignores = load_ignores(tmp_path)
    assert len(ignores.rules) + len(ignores.expired) == 4


@pytest.mark.parametrize("path", [p for p in _sources() if p.suffix == ".md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        if not (path.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    assert not broken, f"broken links in {path.relative_to(ROOT)}: {broken}"
