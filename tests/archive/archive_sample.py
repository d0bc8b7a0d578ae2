"""What the archive tests share: the options of the sample's archives, row helpers."""

# The options every archive of the sample is made with (a resume must repeat them).
OPTIONS = {"align": True, "quality": 50, "shard_size": 4, "batch_size": 4}
CLI_OPTIONS = ["--align", "--quality", "50", "--shard-size", "4", "--batch-size", "4", "-q"]
LFW_IMAGES = 20


def rows(dst):
    """The archive's rows as a list of dicts, in order."""
    from cvlfic.archive import read_archive

    return read_archive(dst).to_pylist()


def assert_every_input_once(dst, inputs=LFW_IMAGES + 2):
    table = rows(dst)
    assert [r["index"] for r in table] == list(range(inputs))
    assert len({r["source"] for r in table}) == inputs
    return table
