"""Score fusion for re-ranking: standardisation, the blend, and the choice of its weight."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmrec_course.models import fusion


def test_zscore_and_blend_by_hand():
    np.testing.assert_allclose(fusion.zscore([1.0, 2.0, 3.0]), [-1.2247449, 0.0, 1.2247449])
    np.testing.assert_array_equal(fusion.zscore([4.0, 4.0]), [0.0, 0.0])  # no spread
    assert fusion.zscore(np.array([])).shape == (0,)
    base, rerank = np.array([3.0, 2.0, 1.0]), np.array([0.0, 0.0, 9.0])
    # z(base) = [1.2247, 0, -1.2247]; z(rerank) = [-0.7071, -0.7071, 1.4142]
    np.testing.assert_allclose(
        fusion.blend(base, rerank, 0.5), [0.2588190, -0.3535534, 0.0947343], atol=1e-6
    )
    np.testing.assert_allclose(fusion.blend(base, rerank, 0.0), fusion.zscore(base))
    np.testing.assert_allclose(fusion.blend(base, rerank, 1.0), fusion.zscore(rerank))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        fusion.blend(base, rerank, 1.2)
    with pytest.raises(ValueError, match="differ in shape"):
        fusion.blend(base, rerank[:2], 0.5)


def test_choose_weight_takes_the_best_ties_to_the_earlier_and_skips_nan():
    values = {0.0: 0.2, 0.25: 0.3, 0.5: 0.3, 0.75: math.nan, 1.0: 0.1}
    weight, scores = fusion.choose_weight(values.__getitem__)
    assert weight == 0.25
    assert scores[0.5] == 0.3 and math.isnan(scores[0.75])
    assert fusion.choose_weight(lambda w: 1.0 - w)[0] == 0.0
    with pytest.raises(ValueError, match="NaN for every weight"):
        fusion.choose_weight(lambda w: math.nan)
