"""Ordinary mistakes on the command line: one line on stderr, a non-zero exit status, no
traceback and no partial output file."""
import subprocess
import sys

import cv2
import numpy as np
import pytest

import cvlfic
from cvlfic import bitstream
from cvlfic.cli import main


@pytest.fixture()
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yy, xx = np.mgrid[0:112, 0:112]
    face = np.stack([xx * 2, yy * 2, (xx + yy) % 256], -1).astype(np.uint8)
    cv2.imwrite("face.png", face)
    cv2.imwrite("tiny.png", face[:1, :1])
    cv2.imwrite("big.png", np.zeros((3000, 4000, 3), np.uint8))
    (tmp_path / "text.png").write_text("not an image")
    data = cvlfic.encode(face)
    (tmp_path / "face.lfic").write_bytes(data)
    (tmp_path / "cut.lfic").write_bytes(data[:len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x20
    (tmp_path / "flipped.lfic").write_bytes(bytes(flipped))
    (tmp_path / "bomb.lfic").write_bytes(bitstream.encode_pooled(
        np.full((2048, 2048, 3), 128, np.uint8), bitstream.uniform_mask(2048, 2048, 0), 0, 16))
    (tmp_path / "v2.lfic").write_bytes(bytes([0xC2]) + data[1:])
    (tmp_path / "stream.png").write_bytes(data)
    return tmp_path


CASES = [
    (["encode", "face.png", "-o", "x.lfic", "--max-bytes", "5"], 1, "below the minimum of"),
    (["encode", "face.png", "--max-bytes", "0"], 2, "--max-bytes: must be a positive number"),
    (["encode", "face.png", "--quality", "150"], 2, "--quality: must be in 0..100"),
    (["encode", "face.png", "--bpp", "0"], 2, "--bpp: must be positive"),
    (["encode", "tiny.png", "--bpp", "0.1"], 1, "bpp=0.1 gives a budget of 0 bytes, below the minimum"),
    (["encode", "big.png"], 1, "4000x3000 (12000000 pixels), above the limit of 1048576 pixels"),
    (["encode", "missing.png"], 1, "cannot open missing.png"),
    (["encode", "text.png"], 1, "not an image"),
    (["decode", "missing.lfic"], 1, "cannot open missing.lfic"),
    (["decode", "cut.lfic", "-o", "out.png"], 1, "truncated: the stream ends before its last byte"),
    (["decode", "flipped.lfic", "-o", "out.png"], 1, "corrupted: the checksum does not match"),
    (["decode", "text.png", "-o", "out.png"], 1, "not a cvlfic stream"),
    (["decode", "v2.lfic", "-o", "out.png"], 1, "another format version"),
    (["decode", "bomb.lfic", "-o", "out.png"], 1, "2048x2048 image (4194304 pixels), above the decode limit"),
    (["decode", "face.lfic", "-o", "out.xyz"], 1, "cannot write out.xyz"),
    (["decode", "stream.png"], 1, "would overwrite the input stream.png"),
    (["encode", "face.png"], 1, "face.lfic exists; name the output with -o"),
    (["decode", "face.lfic"], 1, "face.png exists; name the output with -o, or overwrite it with --force"),
]


@pytest.mark.parametrize("argv,status,message", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_user_error_is_one_line(files, capsys, argv, status, message):
    before = sorted(p.name for p in files.iterdir())
    with pytest.raises(SystemExit) if status == 2 else _no_raise() as caught:
        code = main(argv)
    code = caught.value.code if status == 2 else code
    err = capsys.readouterr().err
    assert code == status
    assert message in err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert sorted(p.name for p in files.iterdir()) == before  # nothing written, nothing partial


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"cvlfic {cvlfic.__version__} (core ")
    with pytest.raises(SystemExit):
        main(["decode", "--help"])
    assert "Restore the face of a .lfic stream" in capsys.readouterr().out


def test_gray_and_alpha_files(files, capsys):
    gray = cv2.cvtColor(cv2.imread("face.png"), cv2.COLOR_BGR2GRAY)
    cv2.imwrite("gray.png", gray)
    assert main(["encode", "gray.png", "-o", "gray.lfic"]) == 0
    assert main(["decode", "gray.lfic", "-o", "gray_out.png"]) == 0
    assert cv2.imread("gray_out.png", cv2.IMREAD_UNCHANGED).ndim == 2
    cv2.imwrite("alpha.png", cv2.cvtColor(cv2.imread("face.png"), cv2.COLOR_BGR2BGRA))
    assert main(["encode", "alpha.png", "-o", "alpha.lfic"]) == 0
    assert "alpha channel" in capsys.readouterr().err


def test_no_traceback_from_a_real_process(files):
    out = subprocess.run([sys.executable, "-m", "cvlfic", "decode", "cut.lfic", "-o", "x.png"],
                         capture_output=True, text=True, cwd=files)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip() == ("cvlfic decode: error: truncated: the stream ends before its last "
                                  "byte (cut during a write or transfer)")
    assert not (files / "x.png").exists()
