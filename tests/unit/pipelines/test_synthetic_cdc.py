"""The synthetic world rendered as raw CDC tells the truth about what it generated."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest

from pipelines.synthetic.orders import LIFECYCLE
from pipelines.synthetic.raw_cdc import SyntheticLake, SyntheticSpec, generate

pytestmark = pytest.mark.unit

ORDER_OF = {"PENDING": 0, **{status: n for n, (status, _, _) in enumerate(LIFECYCLE, start=1)}}
ENDS = {"CANCELLED", "REFUNDED"}  # an order may leave the walk for one of these


@pytest.fixture(scope="module")
def lake() -> SyntheticLake:
    return generate(SyntheticSpec(orders=300, days=2, seed=3))


def test_lsns_grow_in_commit_order_per_shard(lake: SyntheticLake) -> None:
    last: dict[str, tuple[datetime, int]] = {}
    for change in lake.changes:
        if change.shard in last:
            at, lsn = last[change.shard]
            assert change.lsn > lsn
            assert change.at >= at
        last[change.shard] = (change.at, change.lsn)


def test_orders_walk_the_state_machine_in_order(lake: SyntheticLake) -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for change in lake.changes:
        if change.table == "orders" and change.after is not None:
            seen[str(change.pk["order_id"])].append(change.after["status"])
    assert seen
    for statuses in seen.values():
        walk = [s for s in statuses if s not in ENDS]
        assert walk == sorted(walk, key=ORDER_OF.__getitem__)
        assert walk[0] == "PENDING"


def test_duplicates_repeat_an_identity_under_a_new_offset(lake: SyntheticLake) -> None:
    originals = {(c.shard, c.lsn, c.table, str(c.pk)): c.offset for c in lake.changes}
    assert lake.duplicates
    for dup in lake.duplicates:
        assert originals[(dup.shard, dup.lsn, dup.table, str(dup.pk))] != dup.offset


def test_expected_state_applies_deletes(lake: SyntheticLake) -> None:
    deleted = {str(c.pk["order_id"]) for c in lake.changes if c.table == "orders" and c.op == "d"}
    assert deleted, "the generator purges some cancelled orders"
    kept = {str(k[0]) for k in lake.expected["orders"]}
    assert not deleted & kept
    statuses = {row["status"] for row in lake.expected_rows("orders")}
    assert {"DELIVERED", "CANCELLED", "REFUNDED"} <= statuses
