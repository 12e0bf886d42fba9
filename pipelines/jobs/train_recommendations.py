"""Train, evaluate, gate and publish customer recommendations (ALS on implicit feedback).

Exit code 0 = published; 3 = the model did not beat the best baseline and nothing was published (the
previous feed stays); anything else = a failure. The hold-out metrics are printed in every case.

    python -m pipelines.jobs.train_recommendations                       # the whole refresh
    python -m pipelines.jobs.train_recommendations --step evaluate --run-id <id>
    python -m pipelines.jobs.train_recommendations --synthetic <dir>     # on the synthetic world
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pipelines.io.lakefs import location
from pipelines.recommendations import refresh
from pipelines.recommendations.gate import ModelRejected
from pipelines.synthetic.curated import CuratedSpec, write_synthetic_lake
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)
STEPS = ("all", "train", "evaluate", "gate", "publish")
EXIT_REJECTED = 3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="train_recommendations", description=__doc__.split("\n")[0])
    parser.add_argument("--step", choices=STEPS, default="all", help="run one step of an existing run, or all")
    parser.add_argument("--run-id", help="run to continue (required for a single step other than train)")
    parser.add_argument("--synthetic", metavar="LAKE", help="write a synthetic curated dataset there and train on it")
    parser.add_argument("--synthetic-users", type=int, default=CuratedSpec.customers, help="customers to generate")
    args = parser.parse_args(argv)
    if args.step not in ("all", "train") and not args.run_id:
        parser.error(f"--step {args.step} needs --run-id")
    return args


def format_metrics(payload: dict[str, Any]) -> str:
    """A plain table of the hold-out figures, one line per item type and method."""
    lines = [f"run {payload['run_id']}  hold-out from {payload['holdout_from']}"]
    lines.append(f"{'item type':<11}{'method':<14}{'precision@10':>13}{'recall@10':>11}{'ndcg@10':>9}{'coverage':>10}")
    for item_type, methods in payload["metrics"].items():
        for method, m in methods.items():
            lines.append(
                f"{item_type:<11}{method:<14}{m['precision_at_10']:>13.4f}{m['recall_at_10']:>11.4f}"
                f"{m['ndcg_at_10']:>9.4f}{m['coverage']:>10.4f}"
            )
    verdict = "PASSED" if payload["gate"]["passed"] else "REJECTED"
    lines.append(f"gate {verdict}: " + "; ".join(payload["gate"]["reasons"]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    args = parse_args(argv)
    ctx = refresh.Context.from_env()
    if args.synthetic:
        summary = write_synthetic_lake(
            CuratedSpec(customers=args.synthetic_users), location(args.synthetic, ctx.pipeline)
        )
        facts = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(summary).items()}
        log.info("recs.synthetic_written", lake=args.synthetic, **facts)
        ctx = refresh.Context(
            ctx.platform, ctx.pipeline, ctx.recs.model_copy(update={"input_lake_url": args.synthetic})
        )
    run_id = args.run_id
    try:
        if args.step in ("all", "train"):
            run_id = refresh.train(ctx, run_id)
        assert run_id is not None
        if args.step in ("all", "evaluate"):
            print(format_metrics(refresh.evaluate(ctx, run_id)), flush=True)
        if args.step in ("all", "gate"):
            refresh.check_gate(ctx, run_id)
        if args.step in ("all", "publish"):
            refresh.publish(ctx, run_id)
    except ModelRejected as exc:
        log.error("recs.rejected", run_id=run_id, reason=str(exc))
        return EXIT_REJECTED
    print(f"run {run_id}: {args.step} done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
