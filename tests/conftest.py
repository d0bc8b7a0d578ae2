"""Session setup shared by every test: the development data folder and the sample clip."""
import pytest

from sample_data import sample_clip_path, use_default_data

# Before collection: tests decide at import time whether the face data is there.
use_default_data()


@pytest.fixture(scope="session")
def sample_clip() -> str:
    """Path of the sample clip (skips the test when the data is absent)."""
    try:
        return str(sample_clip_path())
    except FileNotFoundError as exc:
        pytest.skip(f"sample clip not present ({exc})")
