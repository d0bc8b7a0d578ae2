"""``--verify``: every row of a finished archive is checked, every face decoded.

The checks: each shard holds exactly its inputs, once each and in order; a row has either
a face or an error, never both or neither; ``size`` is the face's length; ``checksum``
matches the face bytes; the face decodes (the stream's own CRC and structure checks, then
the learned decoder). A failure names the row (``index``, ``source``) and the reason.
"""
from __future__ import annotations

import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from cvlfic.archive.job import Job

MAX_LISTED = 100  # failures listed in the manifest (all are counted)


class VerifyRows:
    """For ``map_batches`` (or a local loop): rows in, the rows that fail out, with
    ``index``, ``source`` and ``problem``. Loads the decoder once."""

    def __init__(self, model: str, batch_size: int = 64, threads: Optional[int] = 1):
        from cvlfic.archive.ray_data import DecodeFaces

        self.decoder = DecodeFaces("face", model=model, check=True, images=False,
                                   batch_size=batch_size, threads=threads)

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        n = len(batch["index"])
        problems = np.empty(n, dtype=object)
        for i in range(n):
            face, error, size = batch["face"][i], batch["error"][i], batch["size"][i]
            if face is None and error is None:
                problems[i] = "row without a face and without an error"
            elif face is not None and error is not None:
                problems[i] = "row with both a face and an error"
            elif face is not None and len(face) != size:
                problems[i] = f"size {size} differs from the face's {len(face)} bytes"
        decoded = self.decoder({"face": batch["face"], "checksum": batch["checksum"]})
        for i, reason in enumerate(decoded["decode_error"]):
            if problems[i] is None and reason is not None:
                problems[i] = reason
        bad = np.flatnonzero(np.array([p is not None for p in problems], bool))
        return {"index": np.asarray(batch["index"], np.int64)[bad],
                "source": np.asarray(batch["source"], dtype=object)[bad],
                "problem": problems[bad]}


def structure_problems(job: Job) -> List[Dict]:
    """Missing shards, and rows missing, repeated or out of place in a shard."""
    import pyarrow.parquet as pq

    problems = []
    for k in range(job.shard_count):
        path = job.shard_path(k)
        if not path.is_file():
            problems.append({"shard": path.name, "problem": "shard file missing"})
            continue
        index = pq.read_table(path, columns=["index"]).column("index").to_numpy()
        expected = np.arange(job.shard_range(k).start, job.shard_range(k).stop)
        if not np.array_equal(index, expected):
            _, counts = np.unique(index, return_counts=True)
            missing = len(np.setdiff1d(expected, index))
            foreign = len(np.setdiff1d(index, expected))
            repeated = int((counts > 1).sum())
            detail = (f"{missing} missing, {repeated} repeated, {foreign} of another shard"
                      if missing or repeated or foreign else "rows out of order")
            problems.append({"shard": path.name,
                             "problem": f"{len(index)} rows for {len(expected)} inputs: {detail}"})
    return problems


class VerifyShards:
    """For ``map_batches`` (or a local loop): shard paths in (column ``path``), the failing
    rows of those shards out (``index``, ``source``, ``problem``). The workers read the
    shards themselves, as they read the input images."""

    def __init__(self, model: str, batch_size: int = 64, threads: Optional[int] = 1):
        self.rows = VerifyRows(model, batch_size, threads)
        self.batch_size = batch_size

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        import pyarrow.parquet as pq

        from cvlfic.archive.engines import arrow_columns

        found = []
        for path in batch["path"]:
            columns = arrow_columns(pq.read_table(str(path), columns=list(ROW_COLUMNS)))
            for start in range(0, len(columns["index"]), self.batch_size):
                found.append(self.rows({k: v[start:start + self.batch_size]
                                        for k, v in columns.items()}))
        if not found:
            return {"index": np.zeros(0, np.int64), "source": np.empty(0, object),
                    "problem": np.empty(0, object)}
        return {k: np.concatenate([f[k] for f in found]) for k in ("index", "source", "problem")}


ROW_COLUMNS = ("index", "source", "face", "size", "checksum", "error")
_VERIFIER: Optional[VerifyShards] = None


def _init_verifier(model: str, batch_size: int) -> None:
    global _VERIFIER
    _VERIFIER = VerifyShards(model, batch_size)


def _verify_shard(path: str) -> Dict[str, np.ndarray]:
    return _VERIFIER({"path": np.array([path], dtype=object)})


def verify_archive(job: Job, engine: str = "local", workers: Optional[int] = None,
                   batch_size: int = 64, address: Optional[str] = None,
                   progress: bool = True) -> Dict:
    """Check every row (see the module's doc); a summary with the failures."""
    import pyarrow.parquet as pq

    start = time.time()
    structure = structure_problems(job)
    paths = [str(p) for p in job.shard_paths() if p.is_file()]
    rows = faces = 0
    for path in paths:
        column = pq.read_table(path, columns=["face"]).column("face")
        rows += len(column)
        faces += len(column) - column.null_count
    model = job.settings.model
    outputs = []
    if engine == "ray":
        from cvlfic.archive.engines import arrow_columns, ray_init, ray_workers

        ray = ray_init(address)
        workers = ray_workers(ray, workers)
        if paths:
            import pyarrow as pa

            shards = ray.data.from_arrow([pa.table({"path": [p]}) for p in paths])
            checked = shards.map_batches(
                VerifyShards, fn_constructor_kwargs={"model": model, "batch_size": batch_size},
                compute=ray.data.ActorPoolStrategy(size=min(workers, len(paths))), num_cpus=1,
                batch_size=1, batch_format="numpy")
            outputs = [arrow_columns(arrow) for arrow in
                       checked.iter_batches(batch_format="pyarrow", batch_size=None)]
    else:
        from tqdm import tqdm

        bar = tqdm(total=len(paths), unit="shard", desc="verify", disable=not progress)
        workers = workers or 1
        if workers <= 1 or len(paths) <= 1:
            workers = 1
            verifier = VerifyShards(model, batch_size)
            for path in paths:
                outputs.append(verifier({"path": np.array([path], dtype=object)}))
                bar.update(1)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(min(workers, len(paths)), mp_context=context,
                                     initializer=_init_verifier,
                                     initargs=(model, batch_size)) as pool:
                for out in pool.map(_verify_shard, paths):
                    outputs.append(out)
                    bar.update(1)
        bar.close()
    failures = [{"index": int(i), "source": s, "problem": p} for out in outputs
                for i, s, p in zip(out["index"], out["source"], out["problem"])]
    failures.sort(key=lambda f: f["index"])
    seconds = time.time() - start
    return {
        "ok": not failures and not structure,
        "engine": engine, "workers": workers,
        "rows": rows, "faces_decoded": faces, "failures": len(failures),
        "structure_problems": structure, "failed_rows": failures[:MAX_LISTED],
        "seconds": round(seconds, 2),
        "faces_per_second": round(faces / seconds, 1) if seconds > 0 else None,
    }


def summary_lines(result: Dict) -> Sequence[str]:
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    lines = [f"verify: {count(result['rows'], 'row')}, {count(result['faces_decoded'], 'face')} "
             f"decoded, {count(result['failures'], 'failed row')}, "
             f"{count(len(result['structure_problems']), 'structure problem')} "
             f"({result['seconds']:.1f} s)"]
    for problem in result["structure_problems"]:
        lines.append(f"  {problem['shard']}: {problem['problem']}")
    for failure in result["failed_rows"]:
        lines.append(f"  row {failure['index']} ({failure['source']}): {failure['problem']}")
    if result["failures"] > len(result["failed_rows"]):
        lines.append(f"  ... and {result['failures'] - len(result['failed_rows'])} more")
    return lines
