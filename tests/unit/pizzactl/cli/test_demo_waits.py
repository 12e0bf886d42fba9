"""The demo's waits for CDC and the lake sink: done once nothing is outstanding, a clear exit otherwise."""

from __future__ import annotations

import pytest
import typer

from pizzactl.cli import demo


def test_a_wait_returns_once_nothing_is_outstanding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tenacity.nap.time.sleep", lambda _seconds: None)
    answers = iter(["3 messages behind", "1 message behind", None])
    demo._wait_until_settled(lambda: next(answers), timeout=60, failure="never")
    assert next(answers, "drained") == "drained"


def test_a_wait_that_never_settles_exits_non_zero_with_its_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as raised:
        demo._wait_until_settled(lambda: "still behind", timeout=0.01, failure="did not catch up: see status")
    assert raised.value.exit_code == 1
    assert "did not catch up: see status" in capsys.readouterr().out
