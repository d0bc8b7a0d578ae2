"""An archive on disk: the input list, its shards, the job file and the manifest.

The inputs are the image files under SRC in sorted order of their relative POSIX paths (the
``source`` of each row); input ``i`` goes to shard ``i // shard_size``. Shard ``k`` is the
Parquet file ``part-<k>.parquet``, written whole to a temporary name and renamed into
place, so a shard file is either absent or complete. ``job.json`` (written first) fixes the
input list (its count and SHA-256), the shard size and the coding settings; a resumed run
checks them and codes only the shards whose files are missing. ``manifest.json`` is written
last, once every shard is in place: an archive without it is unfinished.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from cvlfic.archive.coding import CodingSettings, error_kind
from cvlfic.errors import CvlficError

FORMAT = "cvlfic-archive"
FORMAT_VERSION = 1
JOB_FILE = "job.json"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
IMAGE_SUFFIXES = frozenset(
    ".jpg .jpeg .jpe .png .bmp .dib .webp .tif .tiff .pgm .ppm .pbm .pnm .jp2 .avif".split())
DEFAULT_SHARD_SIZE = 1000

#: Column order and types of every shard (see docs/archive.md).
COLUMNS = ("index", "source", "face", "size", "width", "height", "rate", "model", "checksum",
           "error")


class ArchiveInterrupted(CvlficError):
    """The job stopped before every shard was written (a worker pool broke, the Ray job
    failed); the shards already written stay, and ``--resume`` finishes the archive."""


def schema():
    import pyarrow as pa

    return pa.schema([
        ("index", pa.int64()), ("source", pa.string()), ("face", pa.binary()),
        ("size", pa.int32()), ("width", pa.int32()), ("height", pa.int32()),
        ("rate", pa.string()), ("model", pa.string()), ("checksum", pa.string()),
        ("error", pa.string()),
    ], metadata={b"format": f"{FORMAT} {FORMAT_VERSION}".encode()})


def list_images(src: Path, exclude: Optional[Path] = None) -> Tuple[List[str], int]:
    """``(sources, skipped)``: relative POSIX paths of the image files under ``src`` (by
    suffix, hidden files and folders left out, ``exclude`` and what lies under it left out),
    sorted; and the count of other files left out. A file ``src`` is a list of one."""
    if src.is_file():
        return [src.name], 0
    if not src.is_dir():
        raise FileNotFoundError(2, "no such folder", str(src))
    exclude = exclude.resolve() if exclude is not None else None
    sources, skipped = [], 0
    for root, dirs, files in os.walk(src):
        root_path = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and (exclude is None or (root_path / d).resolve() != exclude)]
        for name in files:
            if name.startswith("."):
                continue
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                sources.append((root_path / name).relative_to(src).as_posix())
            else:
                skipped += 1
    sources.sort()
    return sources, skipped


def listing_digest(sources: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def model_digest(model: str) -> Dict:
    """Name and SHA-256 (first 16 hex digits) of the model's decoder weights."""
    from cvlfic.lfic.model_files import find_model

    folder = find_model(model)
    digest = hashlib.sha256((folder / "model.json").read_bytes())
    onnx = folder / "decoder.onnx"
    if onnx.is_file():
        digest.update(onnx.read_bytes())
    return {"name": folder.name, "sha256": digest.hexdigest()[:16]}


def write_json_atomically(path: Path, data: Dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass
class Job:
    """One archive folder and the plan that fills it."""
    src: Path
    dst: Path
    sources: List[str]
    skipped: int
    shard_size: int
    settings: CodingSettings
    limit: Optional[int] = None
    model: Dict = field(default_factory=dict)

    # -- layout -------------------------------------------------------------------------
    @property
    def shard_count(self) -> int:
        return (len(self.sources) + self.shard_size - 1) // self.shard_size

    def shard_name(self, k: int) -> str:
        return f"part-{k:0{max(5, len(str(self.shard_count - 1)))}d}.parquet"

    def shard_path(self, k: int) -> Path:
        return self.dst / self.shard_name(k)

    def shard_range(self, k: int) -> range:
        return range(k * self.shard_size, min((k + 1) * self.shard_size, len(self.sources)))

    def shard_of(self, index: int) -> int:
        return index // self.shard_size

    # -- plan ---------------------------------------------------------------------------
    @classmethod
    def plan(cls, src: Path, dst: Path, settings: CodingSettings,
             shard_size: int = DEFAULT_SHARD_SIZE, limit: Optional[int] = None) -> "Job":
        if shard_size < 1:
            raise ValueError(f"shard size must be positive, not {shard_size}")
        src, dst = Path(src), Path(dst)
        sources, skipped = list_images(src, exclude=dst)
        if limit is not None:
            sources = sources[:limit]
        return cls(src, dst, sources, skipped, int(shard_size), settings, limit,
                   model_digest(settings.model))

    def description(self) -> Dict:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "source": str(self.src.resolve()), "inputs": len(self.sources),
            "skipped_files": self.skipped, "limit": self.limit,
            "listing_sha256": listing_digest(self.sources),
            "shard_size": self.shard_size, "shards": self.shard_count,
            "settings": self.settings.to_json(), "model": self.model,
        }

    def start(self, resume: bool) -> List[int]:
        """Create or check the archive folder and lock it for this process (``.lock``,
        released when the process ends or ``stop`` is called); the shards still to code."""
        job_file = self.dst / JOB_FILE
        described = self.description()
        if self.dst.exists() and not self.dst.is_dir():
            raise ValueError(f"{self.dst} is a file; the archive is a folder: name a new one")
        if job_file.is_file():
            if not resume:
                raise ValueError(f"{self.dst} holds an archive; add --resume to finish or check "
                                 f"it, or choose another destination")
            self._lock()
            self._check_same(json.loads(job_file.read_text()), described)
        else:
            if self.dst.is_dir() and any(p.name != LOCK_FILE for p in self.dst.iterdir()):
                raise ValueError(f"{self.dst} exists and is not an archive; choose an empty or "
                                 f"new destination")
            self.dst.mkdir(parents=True, exist_ok=True)
            self._lock()
            write_json_atomically(job_file, described)
        for stale in self.dst.glob(".part-*.tmp-*"):
            stale.unlink()  # what an interrupted run was writing
        return [k for k in range(self.shard_count) if not self.shard_done(k)]

    def _lock(self) -> None:
        import fcntl

        handle = open(self.dst / LOCK_FILE, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise ValueError(f"another cvlfic archive is writing {self.dst}; wait for it to end")
        self._lock_handle = handle

    def stop(self) -> None:
        """Release the folder's lock."""
        handle = getattr(self, "_lock_handle", None)
        if handle is not None:
            handle.close()
            self._lock_handle = None

    def _check_same(self, old: Dict, new: Dict) -> None:
        checks = [("format_version", "archive format version"), ("listing_sha256", "input list"),
                  ("inputs", "number of inputs"), ("shard_size", "shard size"),
                  ("settings", "coding settings"), ("model", "model")]
        changed = [what for key, what in checks if old.get(key) != new.get(key)]
        if changed:
            detail = ", ".join(changed)
            raise ValueError(f"cannot resume {self.dst}: its {detail} differ from this run's "
                             f"(was it made from another source or with other options?); "
                             f"start a new destination, or rerun with the same options")

    def shard_done(self, k: int) -> bool:
        path = self.shard_path(k)
        if not path.is_file():
            return False
        import pyarrow.parquet as pq
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception:  # noqa: BLE001 (an unreadable shard is coded again)
            rows = -1
        if rows == len(self.shard_range(k)):
            return True
        path.unlink()
        return False

    # -- writing ------------------------------------------------------------------------
    def write_shard(self, k: int, columns: Dict[str, np.ndarray]) -> None:
        """Write shard ``k`` atomically from its rows (any order; sorted here by index)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        order = np.argsort(np.asarray(columns["index"], np.int64), kind="stable")
        index = np.asarray(columns["index"], np.int64)[order]
        expected = np.arange(self.shard_range(k).start, self.shard_range(k).stop)
        if not np.array_equal(index, expected):
            raise RuntimeError(f"shard {k}: rows {index.tolist()[:10]}... are not its inputs")
        arrays = []
        for name, typ in zip(schema().names, schema().types):
            values = np.asarray(columns[name])[order]
            arrays.append(pa.array(values if values.dtype != object else values.tolist(), type=typ))
        table = pa.Table.from_arrays(arrays, schema=schema())
        path = self.shard_path(k)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as f:
                pq.write_table(table, f, compression="zstd")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def inputs_table(self, shards: Iterable[int]):
        """The input rows (``index``, ``source``, ``path``) of some shards, as Arrow."""
        import pyarrow as pa

        indices = [i for k in shards for i in self.shard_range(k)]
        root = self.src if self.src.is_dir() else self.src.parent
        return pa.table({
            "index": pa.array(indices, pa.int64()),
            "source": pa.array([self.sources[i] for i in indices], pa.string()),
            "path": pa.array([str(root / self.sources[i]) for i in indices], pa.string()),
        })

    # -- reading ------------------------------------------------------------------------
    def shard_paths(self) -> List[Path]:
        return [self.shard_path(k) for k in range(self.shard_count)]

    def counts(self) -> Dict:
        """Rows, faces, errors by kind and bytes, from the shard files."""
        import pyarrow.parquet as pq

        rows = faces = face_bytes = 0
        errors: Dict[str, int] = {}
        shards = []
        for k, path in enumerate(self.shard_paths()):
            table = pq.read_table(path, columns=["size", "error"])
            kinds = [error_kind(e) for e in table.column("error").to_pylist()]
            n_errors = sum(kind is not None for kind in kinds)
            for kind in kinds:
                if kind is not None:
                    errors[kind] = errors.get(kind, 0) + 1
            rows += table.num_rows
            faces += table.num_rows - n_errors
            face_bytes += int(np.sum(table.column("size").to_numpy()))
            shards.append({"file": path.name, "rows": table.num_rows, "errors": n_errors})
        return {"rows": rows, "faces": faces, "errors": sum(errors.values()),
                "errors_by_kind": dict(sorted(errors.items())), "face_bytes": face_bytes,
                "mean_face_bytes": round(face_bytes / faces, 1) if faces else None,
                "shards": shards}

    def write_manifest(self, runs: List[Dict], verify: Optional[Dict] = None) -> Dict:
        from cvlfic import __version__, bitstream

        counts = self.counts()
        shards = counts.pop("shards")
        manifest = {
            **self.description(),
            "cvlfic_version": __version__,
            "bitstream_version": bitstream.FORMAT_VERSION,
            "counts": counts,
            "runs": runs,
            "verify": verify,
            "shard_files": shards,
            "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json_atomically(self.dst / MANIFEST_FILE, manifest)
        return manifest
