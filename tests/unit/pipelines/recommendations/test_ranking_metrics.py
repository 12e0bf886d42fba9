import math

import pytest

from pipelines.recommendations.evaluation import ideal_dcg

pytestmark = pytest.mark.unit


def test_ideal_dcg_sums_the_discounts_of_the_first_positions() -> None:
    values = ideal_dcg(10)
    assert len(values) == 10
    assert values[0] == 1.0
    assert values[1] == pytest.approx(1 + 1 / math.log2(3))
    assert values[9] == pytest.approx(sum(1 / math.log2(i + 1) for i in range(1, 11)))
