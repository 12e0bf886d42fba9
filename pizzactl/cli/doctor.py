"""`pizza doctor`."""

from __future__ import annotations

import typer
from rich.console import Console

from pizza.config import get_platform_settings
from pizzactl.doctor import run_checks

console = Console()


def doctor() -> None:
    """Check Python, Java, binaries, ports and services; print each problem with its fix."""
    findings = run_checks(get_platform_settings())
    for f in findings:
        mark = "[green]ok[/green]  " if f.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {f.check:<16} {f.detail}")
        if not f.ok and f.fix:
            console.print(f"       fix: {f.fix}")
    problems = [f for f in findings if not f.ok]
    console.print(f"\n{len(problems)} problem(s)" if problems else "\nall good")
    raise typer.Exit(1 if problems else 0)
