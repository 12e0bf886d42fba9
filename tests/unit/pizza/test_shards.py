import uuid

import pytest

from pizza.db.shards import BUCKET_COUNT, ShardMap, ShardRange, bucket_of

pytestmark = pytest.mark.unit


def test_bucket_is_stable_and_in_range() -> None:
    uid = uuid.UUID("0190f2a4-7c1e-7a00-8000-000000000001")
    assert bucket_of(uid) == bucket_of(str(uid))
    assert 0 <= bucket_of(uid) < BUCKET_COUNT
    # the value is part of the contract: changing the hash would move every user
    assert bucket_of(uid) == 661


def test_even_map_covers_every_bucket_once() -> None:
    m = ShardMap.even(["shard_0", "shard_1", "shard_2"])
    assert [r.bucket_from for r in m.ranges] == [0, 1366, 2731]
    assert m.ranges[-1].bucket_to == BUCKET_COUNT - 1
    assert m.shard_for_bucket(0) == "shard_0"
    assert m.shard_for_bucket(1366) == "shard_1"
    assert m.shard_for_bucket(BUCKET_COUNT - 1) == "shard_2"


def test_users_spread_evenly_over_shards() -> None:
    m = ShardMap.even([f"shard_{i}" for i in range(4)])
    counts: dict[str, int] = {}
    for _ in range(8000):
        shard = m.shard_for_user(uuid.uuid4())
        counts[shard] = counts.get(shard, 0) + 1
    assert set(counts) == {"shard_0", "shard_1", "shard_2", "shard_3"}
    assert all(1700 < c < 2300 for c in counts.values()), counts


@pytest.mark.parametrize(
    "ranges",
    [
        [ShardRange(0, 100, "a")],  # does not reach the end
        [ShardRange(0, 100, "a"), ShardRange(50, BUCKET_COUNT - 1, "b")],  # overlap
        [ShardRange(1, BUCKET_COUNT - 1, "a")],  # gap at 0
    ],
)
def test_invalid_maps_are_rejected(ranges: list[ShardRange]) -> None:
    with pytest.raises(ValueError, match="shard map"):
        ShardMap(ranges)


def test_bucket_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="outside"):
        ShardMap.even(["a"]).shard_for_bucket(BUCKET_COUNT)
