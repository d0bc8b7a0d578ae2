"""``cvlfic archive`` with the local engine: one row per input, error rows with reasons,
resume after an interruption without lost or repeated rows, --verify finds damage."""
import json
import shutil
import subprocess
import sys
import textwrap

import pytest

pa = pytest.importorskip("pyarrow", reason="the archive is written with pyarrow")
import pyarrow.parquet as pq  # noqa: E402

from cvlfic.archive import EncodeFaces, archive, checksum, shard_files  # noqa: E402
from cvlfic.cli import main  # noqa: E402

from archive_sample import (CLI_OPTIONS, LFW_IMAGES, OPTIONS,  # noqa: E402
                            assert_every_input_once, rows)


def test_every_input_is_one_row(local_archive):
    dst, manifest = local_archive
    table = assert_every_input_once(dst)
    by_source = {r["source"]: r for r in table}
    assert by_source["zz_broken.jpg"]["face"] is None
    assert by_source["zz_broken.jpg"]["error"].startswith("unreadable: ")
    assert by_source["zz_blank.png"]["error"] == "no_face: no face found"
    faces = [r for r in table if r["error"] is None]
    assert len(faces) >= LFW_IMAGES - 2  # HOG misses a face now and then
    for r in faces:
        assert r["size"] == len(r["face"]) and r["checksum"] == checksum(r["face"])
        assert (r["width"], r["height"]) == (112, 112)
        assert r["rate"] == "quality=50" and r["model"] == "lfic_ycc16"
    counts = manifest["counts"]
    assert counts["rows"] == LFW_IMAGES + 2 and counts["faces"] == len(faces)
    assert counts["errors_by_kind"]["unreadable"] == 1
    assert manifest["skipped_files"] == 1  # notes.txt
    assert len(shard_files(dst)) == manifest["shards"] == 6
    assert json.loads((dst / "manifest.json").read_text())["counts"] == counts


def test_resume_after_an_exception_mid_job(sample, local_archive, tmp_path):
    dst = tmp_path / "out"

    class FailsOnThirdBatch(EncodeFaces):
        calls = 0

        def __call__(self, batch):
            type(self).calls += 1
            if type(self).calls == 3:
                raise RuntimeError("interrupted")
            return super().__call__(batch)

    with pytest.raises(RuntimeError, match="interrupted"):
        archive(sample, dst, workers=1, progress=False, log=lambda line: None,
                encoder=FailsOnThirdBatch, **OPTIONS)
    assert len(shard_files(dst)) == 2 and not (dst / "manifest.json").exists()
    with pytest.raises(ValueError, match="--resume"):
        archive(sample, dst, workers=1, progress=False, log=lambda line: None, **OPTIONS)
    with pytest.raises(ValueError, match="coding settings"):
        archive(sample, dst, workers=1, resume=True, progress=False, log=lambda line: None,
                **{**OPTIONS, "quality": 60})
    manifest = archive(sample, dst, workers=1, resume=True, progress=False,
                       log=lambda line: None, **OPTIONS)
    assert manifest["runs"][-1]["resumed"] and manifest["runs"][-1]["rows_coded"] == 22 - 8
    assert rows(dst) == rows(local_archive[0])


def test_resume_after_the_process_is_killed(sample, local_archive, tmp_path):
    dst = tmp_path / "out"
    script = textwrap.dedent(f"""
        import os, signal
        from cvlfic.archive import EncodeFaces, archive

        class KilledOnFourthBatch(EncodeFaces):
            calls = 0

            def __call__(self, batch):
                type(self).calls += 1
                if type(self).calls == 4:
                    os.kill(os.getpid(), signal.SIGKILL)
                return super().__call__(batch)

        archive({str(sample)!r}, {str(dst)!r}, workers=1, progress=False,
                encoder=KilledOnFourthBatch, **{OPTIONS!r})
    """)
    # cwd outside the checkout: `python -c` puts the cwd first on sys.path
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    assert len(shard_files(dst)) == 3 and not (dst / "manifest.json").exists()
    assert main(["archive", str(sample), str(dst), "--resume", "--workers", "1",
                 *CLI_OPTIONS]) == 0
    assert_every_input_once(dst)
    assert rows(dst) == rows(local_archive[0])


def damage(dst):
    """Flip a byte of row 1's face (checksum kept) and of row 2's face with its checksum
    recomputed (only the stream's own checks can tell): two damaged rows, both in shard 0."""
    path = shard_files(dst)[0]
    table = pq.read_table(path)
    faces, sums = table.column("face").to_pylist(), table.column("checksum").to_pylist()
    for i, fix_checksum in ((1, False), (2, True)):
        data = bytearray(faces[i])
        data[len(data) // 2] ^= 0x04
        faces[i] = bytes(data)
        if fix_checksum:
            sums[i] = checksum(faces[i])
    table = table.set_column(2, "face", pa.array(faces, pa.binary()))
    table = table.set_column(8, "checksum", pa.array(sums, pa.string()))
    pq.write_table(table, path)
    return [table.column("source")[i].as_py() for i in (1, 2)]


def test_verify_finds_damaged_rows(sample, local_archive, tmp_path, capsys):
    dst = tmp_path / "copy"
    shutil.copytree(local_archive[0], dst)
    assert main(["archive", str(sample), str(dst), "--resume", "--verify", "--workers", "1",
                 *CLI_OPTIONS]) == 0
    damaged = damage(dst)
    assert main(["archive", str(sample), str(dst), "--resume", "--verify", "--workers", "1",
                 *CLI_OPTIONS]) == 1
    out = capsys.readouterr().out
    assert "2 failed rows" in out
    verify = json.loads((dst / "manifest.json").read_text())["verify"]
    assert not verify["ok"] and verify["failures"] == 2
    failed = verify["failed_rows"]
    assert [f["index"] for f in failed] == [1, 2] and [f["source"] for f in failed] == damaged
    assert failed[0]["problem"].startswith("checksum mismatch")
    assert "CorruptStreamError" in failed[1]["problem"] or "Truncated" in failed[1]["problem"]


def test_one_writer_at_a_time(sample, tmp_path):
    from cvlfic.archive.coding import CodingSettings
    from cvlfic.archive.job import Job

    first = Job.plan(sample, tmp_path / "out", CodingSettings(align=True), shard_size=4)
    assert first.start(resume=False) == list(range(6))
    second = Job.plan(sample, tmp_path / "out", CodingSettings(align=True), shard_size=4)
    with pytest.raises(ValueError, match="another cvlfic archive is writing"):
        second.start(resume=True)
    first.stop()
    assert second.start(resume=True) == list(range(6))
    second.stop()
