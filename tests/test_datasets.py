"""The data folder comes from an argument or CVLFIC_DATA, never from the checkout's layout."""
import pytest

from cvlfic import datasets


def test_an_unset_data_folder_names_the_variable(monkeypatch):
    monkeypatch.delenv("CVLFIC_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="CVLFIC_DATA"):
        datasets.data_root()
    assert not datasets.has_data()


def test_the_argument_wins_over_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLFIC_DATA", str(tmp_path / "absent"))
    assert not datasets.has_data()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.lfw_dir()
    (tmp_path / "lfw" / "Ann").mkdir(parents=True)
    (tmp_path / "lfw" / "pairs.txt").write_text("10\t300\n")
    assert datasets.data_root(tmp_path) == tmp_path and datasets.has_data(tmp_path)
    assert datasets.lfw_image_path("Ann", 3, root=tmp_path) == tmp_path / "lfw" / "Ann" / "Ann_0003.jpg"
    assert datasets.data_file("lfw", "pairs.txt", root=tmp_path) == tmp_path / "lfw" / "pairs.txt"
    with pytest.raises(FileNotFoundError, match="missing"):
        datasets.data_file("video", "clip.mp4", root=tmp_path)
    monkeypatch.setenv("CVLFIC_DATA", str(tmp_path))
    assert datasets.lfw_pairs_path() == tmp_path / "lfw" / "pairs.txt"


def test_the_bench_command_reads_the_data_folder_it_is_given(tmp_path, capsys):
    from cvlfic.cli import main
    assert main(["bench", "--data", str(tmp_path / "absent"), "--codecs", "jpeg", "--quiet"]) == 1
    assert "absent" in capsys.readouterr().err
