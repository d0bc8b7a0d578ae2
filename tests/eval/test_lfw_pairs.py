"""pairs.txt parsing (synthetic and, when the data is there, the real View 2 file)."""
import numpy as np
import pytest

from cvlfic import datasets
from cvlfic.eval.lfw import parse_pairs

SMALL = """2\t2
Ann\t1\t2
Bob\t1\t3
Ann\t1\tBob\t2
Cid\t1\tAnn\t3
Cid\t1\t2
Bob\t2\t3
Bob\t1\tCid\t2
Ann\t2\tCid\t1
"""


def test_small_pairs_file(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text(SMALL)
    pairs = parse_pairs(path)
    assert pairs.n_folds == 2 and len(pairs.same) == 8
    assert pairs.same.tolist() == [True, True, False, False] * 2
    assert pairs.fold.tolist() == [0] * 4 + [1] * 4
    assert pairs.images == sorted(pairs.images) and len(set(pairs.images)) == len(pairs.images)
    assert pairs.images[pairs.left[2]] == ("Ann", 1) and pairs.images[pairs.right[2]] == ("Bob", 2)
    second = pairs.select_folds([1])
    assert len(second.same) == 4 and set(second.fold.tolist()) == {1}
    assert {pairs.images[i] for i in second.used_images()} == {
        ("Cid", 1), ("Cid", 2), ("Bob", 2), ("Bob", 3), ("Bob", 1), ("Ann", 2)}


@pytest.mark.parametrize("text", [
    "",
    "2\t2\nAnn\t1\t2\n",                                     # too few lines
    SMALL.replace("Ann\t1\tBob\t2", "Ann\t1\t2"),             # matched line among mismatched
    SMALL.replace("Bob\t1\t3", "Bob\t1\tCid\t3"),             # mismatched line among matched
])
def test_malformed_pairs_files_are_rejected(tmp_path, text):
    path = tmp_path / "pairs.txt"
    path.write_text(text)
    with pytest.raises(ValueError):
        parse_pairs(path)


@pytest.mark.skipif(not datasets.has_data(), reason="shared LFW data not present")
def test_real_view2_pairs():
    pairs = parse_pairs()
    assert pairs.n_folds == 10 and len(pairs.same) == 6000
    assert pairs.same.sum() == 3000
    assert len(pairs.images) == 7701
    assert np.bincount(pairs.fold).tolist() == [600] * 10
    assert datasets.lfw_image_path(*pairs.images[0]).is_file()
