"""BD-rate on synthetic curves with known answers."""
import numpy as np
import pytest

from cvlfic.eval.bdrate import bd_rate, monotone_frontier

RATES = np.array([0.1, 0.2, 0.4, 0.8])
ACCURACY = 0.9 + 0.05 * np.log2(RATES / 0.8)  # rises with log rate


@pytest.mark.parametrize("method", ["akima", "pchip"])
@pytest.mark.parametrize("factor, expected", [(0.5, -50.0), (1.0, 0.0), (2.0, 100.0)])
def test_scaled_rates_give_the_scale_as_bd_rate(method, factor, expected):
    result = bd_rate(RATES, ACCURACY, RATES * factor, ACCURACY, method)
    assert result.bd_rate_percent == pytest.approx(expected, abs=1e-6)
    assert result.overlap == pytest.approx((ACCURACY[0], ACCURACY[-1]))
    assert result.overlap_fraction == pytest.approx(1.0)
    assert result.message == ""


def test_partial_overlap_is_reported():
    test_acc = ACCURACY + 0.05  # same rates, better accuracy: a shifted curve
    result = bd_rate(RATES, ACCURACY, RATES, test_acc)
    lo, hi = result.overlap
    assert lo == pytest.approx(test_acc[0]) and hi == pytest.approx(ACCURACY[-1])
    assert 0 < result.overlap_fraction < 1
    # A curve 0.05 higher in accuracy reaches each accuracy at half the rate (slope 0.05/octave).
    assert result.bd_rate_percent == pytest.approx(-50.0, abs=1e-6)


def test_dominated_points_are_dropped_and_noted():
    rates = [0.1, 0.2, 0.3, 0.4, 0.8]
    accuracy = [0.80, 0.85, 0.84, 0.90, 0.95]  # 0.3 bpp is worse than 0.2 bpp
    kept_r, kept_q, dropped = monotone_frontier(rates, accuracy)
    assert list(kept_r) == [0.1, 0.2, 0.4, 0.8] and dropped == [0.3]
    result = bd_rate(RATES, ACCURACY, rates, accuracy)
    assert result.dropped_test == [0.3] and result.bd_rate_percent is not None
    assert "does not rise" in result.message


def test_flat_and_disjoint_curves_give_no_value_with_a_reason():
    flat = bd_rate(RATES, ACCURACY, RATES, [0.5] * 4)
    assert flat.bd_rate_percent is None and "need 2" in flat.message
    disjoint = bd_rate(RATES, ACCURACY, RATES, ACCURACY + 1.0)
    assert disjoint.bd_rate_percent is None and "do not overlap" in disjoint.message


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError):
        bd_rate([0.0, 0.1], [0.5, 0.6], [0.1, 0.2], [0.5, 0.6])
    with pytest.raises(ValueError):
        bd_rate([0.1, 0.2], [0.5], [0.1, 0.2], [0.5, 0.6])
    with pytest.raises(ValueError):
        bd_rate(RATES, ACCURACY, RATES, ACCURACY, method="cubic")
