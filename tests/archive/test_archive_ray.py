"""``cvlfic archive --engine ray`` on a local Ray instance: the same rows as the local engine,
and a Ray worker killed mid-job loses and repeats nothing (Ray restarts it and retries)."""
import os
import signal

import pytest

ray = pytest.importorskip("ray", reason="the ray engine needs Ray: pip install 'cvlfic[ray]'")

from archive_sample import OPTIONS, assert_every_input_once, rows  # noqa: E402
from cvlfic.archive import EncodeFaces, archive  # noqa: E402


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    # Ray puts the driver's working directory on its workers' sys.path: started from the
    # checkout, they would import the source tree (no built core) instead of the install.
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("ray_driver"))
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    finally:
        os.chdir(here)
    yield ray
    ray.shutdown()


def killing_encoder(marker):
    """An EncodeFaces that kills its own worker process the first time it meets a batch
    from index 8 on (once in the whole job: ``marker`` is created when it does)."""

    class KillsItsWorkerOnce(EncodeFaces):
        def __call__(self, batch):
            if batch["index"].max() >= 8:
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    pass
                else:
                    os.kill(os.getpid(), signal.SIGKILL)
            return super().__call__(batch)

    return KillsItsWorkerOnce


def test_ray_engine_gives_the_local_rows(local_ray, sample, local_archive, tmp_path):
    dst = tmp_path / "ray"
    manifest = archive(sample, dst, engine="ray", workers=2, progress=False,
                       log=lambda line: None, **OPTIONS)
    assert_every_input_once(dst)
    assert rows(dst) == rows(local_archive[0])
    assert manifest["counts"] == local_archive[1]["counts"]
    assert manifest["runs"][-1]["engine"] == "ray" and manifest["runs"][-1]["workers"] == 2


def test_killed_ray_worker_loses_and_repeats_nothing(local_ray, sample, local_archive,
                                                     tmp_path):
    dst, marker = tmp_path / "ray", tmp_path / "killed"
    manifest = archive(sample, dst, engine="ray", workers=2, progress=False,
                       log=lambda line: None, verify=True,
                       encoder=killing_encoder(str(marker)), **OPTIONS)
    assert marker.exists(), "a worker was killed"
    assert_every_input_once(dst)
    assert rows(dst) == rows(local_archive[0])
    assert manifest["verify"]["ok"] and manifest["verify"]["engine"] == "ray"
