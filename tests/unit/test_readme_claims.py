"""The README and the docs name commands, make targets, folders and variables; each one must exist.

A newcomer copies these lines first, so a renamed command or a moved folder fails here rather than
on their machine.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pizzactl.cli.main import app

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = sorted([README, *(REPO / "docs").glob("*.md")])
CLI = typer.main.get_command(app)

COMMAND = re.compile(r"uv run pizza((?: +[^\s`#|;&)]+)*)")
MAKE_TARGET = re.compile(r"`make ([a-z][a-z-]*)[^`]*`|^make ([a-z][a-z-]*)(?= |$)", flags=re.MULTILINE)
CODE_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
VARIABLE = re.compile(r"\bPIZZA_[A-Z0-9_]*[A-Z0-9]\b(?!_\*)")


def _cli_lines() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in COMMAND.finditer(doc.read_text()):
            found.append((doc.name, match.group(1).strip()))
    return found


def _is_group(command: Any) -> bool:
    return hasattr(command, "get_command")


def _resolve(words: list[str]) -> tuple[Any, list[str]]:
    """Walk the command groups as click would; return the command reached and the words left."""
    command: Any = CLI
    rest = list(words)
    while _is_group(command) and rest and not rest[0].startswith("-"):
        sub = command.get_command(command.context_class(command), rest[0])
        if sub is None:
            if command.invoke_without_command or command is CLI:
                break
            raise AssertionError(f"`{rest[0]}` is not a subcommand of `{command.name}`")
        command, rest = sub, rest[1:]
    return command, rest


@pytest.mark.parametrize(("doc", "line"), _cli_lines(), ids=lambda v: v.replace(" ", "_")[:60])
def test_every_documented_pizza_command_exists(doc: str, line: str) -> None:
    words = shlex.split(line)
    if not words:
        return  # a bare `uv run pizza`
    command, rest = _resolve(words)
    assert command is not CLI, f"{doc}: `pizza {line}` names no command"
    if _is_group(command) and rest and not rest[0].startswith("-"):
        assert command.invoke_without_command, f"{doc}: `pizza {line}` stops at a group"
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for word in rest:
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            assert name in options, f"{doc}: `pizza {line}`: {name} is not an option of `{command.name}`"


def test_every_make_target_named_in_the_docs_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    for doc in DOCS:
        text = doc.read_text()
        code = "\n".join(CODE_BLOCK.findall(text))
        inline = [m[0] for m in MAKE_TARGET.findall(text) if m[0]]
        in_blocks = [m[1] for m in MAKE_TARGET.findall(code) if m[1]]
        for target in inline + in_blocks:
            assert target in targets, f"{doc.name} names `make {target}`, which the Makefile lacks"


def _parts_table() -> list[str]:
    section = README.read_text().split("## The parts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)`", section, flags=re.MULTILINE)


def test_the_parts_table_names_folders_that_exist_and_every_top_level_folder() -> None:
    rows = _parts_table()
    for row in rows:
        for part in re.findall(r"[\w/]+/?(?:\{[^}]+\})?", row):
            if "{" in part:
                base, names = part.split("{")
                for name in names.rstrip("}").split(","):
                    assert (REPO / base / name).is_dir(), f"parts table: {base}{name} does not exist"
            else:
                assert (REPO / part).exists(), f"parts table: {part} does not exist"
    top_rows = {row.split("/")[0] for cell in rows for row in re.split(r",\s*", cell.replace("`", ""))}
    code_folders = {p.name for p in REPO.iterdir() if p.is_dir() and ((p / "__init__.py").exists() or p.name == "dbt")}
    missing = code_folders - top_rows
    assert not missing, f"the README's parts table leaves out {sorted(missing)}"


def test_every_variable_the_docs_name_is_a_setting() -> None:
    known = set(re.findall(r"^#? ?(PIZZA_[A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.MULTILINE))
    # knobs of the test session (ports, state folder, drill sizes, fuzzing seeds) are read by the tests instead
    test_code = "\n".join(p.read_text() for p in (REPO / "tests").rglob("*.py"))
    for doc in DOCS:
        for name in VARIABLE.findall(doc.read_text()):
            read_by_tests = f'"{name}"' in test_code
            if name.startswith("PIZZA_TEST_"):
                assert read_by_tests, f"{doc.name} names {name}, which no test reads"
            else:
                assert name.split("__")[0] in known or read_by_tests, f"{doc.name} names {name}, which nothing reads"
