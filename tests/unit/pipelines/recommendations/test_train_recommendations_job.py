import pytest

from pipelines.jobs.train_recommendations import format_metrics, parse_args

pytestmark = pytest.mark.unit

PAYLOAD = {
    "run_id": "20250630T020000Z-abcdef",
    "holdout_from": "2025-06-16T02:00:00+00:00",
    "metrics": {
        "dish": {
            "als": {"precision_at_10": 0.11, "recall_at_10": 0.45, "ndcg_at_10": 0.31, "coverage": 0.86},
            "popularity": {"precision_at_10": 0.02, "recall_at_10": 0.1, "ndcg_at_10": 0.06, "coverage": 0.03},
        }
    },
    "gate": {"passed": False, "margin": 0.0, "reasons": ["dish: no hold-out figures for cooccurrence"]},
}


def test_metrics_table_has_one_line_per_method_and_the_verdict() -> None:
    lines = format_metrics(PAYLOAD).splitlines()
    assert lines[0] == "run 20250630T020000Z-abcdef  hold-out from 2025-06-16T02:00:00+00:00"
    assert lines[2].split() == ["dish", "als", "0.1100", "0.4500", "0.3100", "0.8600"]
    assert lines[3].split()[:2] == ["dish", "popularity"]
    assert lines[-1] == "gate REJECTED: dish: no hold-out figures for cooccurrence"


def test_a_single_later_step_needs_the_run_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--step", "publish"])
    assert "--step publish needs --run-id" in capsys.readouterr().err
    assert parse_args(["--step", "train"]).run_id is None
    assert parse_args(["--step", "gate", "--run-id", "r1"]).run_id == "r1"
