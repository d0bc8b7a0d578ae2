"""The fast mode's calibration picks what measures best (a stand-in distance here)."""
from types import SimpleNamespace

from cvlfic.train.calibrate import SEARCH_GRID, calibrate_levels, calibrate_search


class FakeProbe:
    """Distance lowest at importance^4, cost^1, and at 8 levels below 0.2 bpp, 16 above."""

    def __init__(self):
        self.codec = SimpleNamespace(level_candidates=(4, 8, 16, 32))
        self.search = SimpleNamespace(importance_exponent=1.0, cost_exponent=0.0, rate_levels=[])
        self.calls = 0

    def __call__(self, bpp, levels=None):
        self.calls += 1
        if levels is None:
            return abs(self.search.importance_exponent - 4) + abs(self.search.cost_exponent - 1) + bpp
        if levels == 32 and bpp < 0.1:
            return None  # does not fit
        return abs(levels - (8 if bpp < 0.2 else 16))


def test_search_calibration_picks_the_lowest_distance_and_sets_it():
    probe = FakeProbe()
    result = calibrate_search(probe, rates=(0.1, 0.2))
    assert result["mask_search"] == {"importance_exponent": 4.0, "cost_exponent": 1.0}
    assert (probe.search.importance_exponent, probe.search.cost_exponent) == (4.0, 1.0)
    grid_size = len(SEARCH_GRID["importance_exponent"]) * len(SEARCH_GRID["cost_exponent"])
    assert len(result["mask_search_detail"]) == grid_size and probe.calls == 2 * grid_size


def test_level_calibration_skips_level_counts_that_do_not_fit():
    result = calibrate_levels(FakeProbe(), rates=(0.05, 0.3))
    assert result["rate_levels"] == [[0.05, 8], [0.3, 16]]
    assert 32 not in result["rate_levels_detail"]["0.05"]
    assert 32 in result["rate_levels_detail"]["0.3"]
