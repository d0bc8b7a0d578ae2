"""A small folder of face images (20 LFW photos, one unreadable file, one image without a
face, one file that is not an image) and its archive coded locally, shared by the tests."""
import shutil

import cv2
import numpy as np
import pytest

from cvlfic import datasets

from archive_sample import LFW_IMAGES, OPTIONS


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The sample folder: 22 inputs (sorted: 20 LFW, ``zz_blank.png``, ``zz_broken.jpg``)."""
    if not datasets.has_data():
        pytest.skip("shared LFW data not present")
    root = tmp_path_factory.mktemp("faces")
    people = sorted(p for p in datasets.lfw_dir().iterdir() if p.is_dir())
    copied = 0
    for person in people[::97]:  # spread over the alphabet
        for image in sorted(person.glob("*.jpg"))[:2]:
            (root / person.name).mkdir(exist_ok=True)
            shutil.copy(image, root / person.name / image.name)
            copied += 1
            if copied == LFW_IMAGES:
                break
        if copied == LFW_IMAGES:
            break
    yy, xx = np.mgrid[0:250, 0:250]
    blank = np.stack([xx % 256, yy % 256, np.full_like(xx, 128)], -1).astype(np.uint8)
    cv2.imwrite(str(root / "zz_blank.png"), blank)
    (root / "zz_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    (root / "notes.txt").write_text("not an image: left out of the archive")
    return root


@pytest.fixture(scope="session")
def local_archive(sample, tmp_path_factory):
    """The sample archived with the local engine in this process (the reference rows)."""
    pytest.importorskip("pyarrow", reason="the archive is written with pyarrow")
    from cvlfic.archive import archive

    dst = tmp_path_factory.mktemp("archives") / "local"
    manifest = archive(sample, dst, engine="local", workers=1, progress=False,
                       log=lambda line: None, **OPTIONS)
    return dst, manifest
