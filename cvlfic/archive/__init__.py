"""Batch coding of many face images into a Parquet archive, locally or on Ray Data.

``archive(src, dst)`` (the ``cvlfic archive`` command) codes every image of a folder tree
into one row each; ``read_archive(dst)`` reads the rows back; ``EncodeFaces`` and
``DecodeFaces`` are the per-worker callables for ``ray.data.Dataset.map_batches``. See
docs/archive.md. Names are imported on first use, so the command line stays fast.
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

_LAZY = {
    "archive": "cvlfic.archive.run",
    "EncodeFaces": "cvlfic.archive.ray_data",
    "DecodeFaces": "cvlfic.archive.ray_data",
    "FaceCoder": "cvlfic.archive.coding",
    "CodingSettings": "cvlfic.archive.coding",
    "ERROR_KINDS": "cvlfic.archive.coding",
    "checksum": "cvlfic.archive.coding",
    "verify_archive": "cvlfic.archive.verify",
    "COLUMNS": "cvlfic.archive.job",
    "JOB_FILE": "cvlfic.archive.job",
    "MANIFEST_FILE": "cvlfic.archive.job",
}


def shard_files(dst: Union[str, Path]) -> List[Path]:
    """The shard files of an archive, in order."""
    return sorted(Path(dst).glob("part-*.parquet"))


def read_archive(dst: Union[str, Path], columns: Optional[Sequence[str]] = None):
    """The rows of an archive as one ``pyarrow.Table``, in input order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(path, columns=list(columns) if columns else None)
              for path in shard_files(dst)]
    if not tables:
        raise FileNotFoundError(2, "no shard files (part-*.parquet)", str(dst))
    return pa.concat_tables(tables)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cvlfic.archive' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["read_archive", "shard_files", *_LAZY]
