"""Where the coding runs: ``local`` (this process, or a pool of processes) or ``ray`` (Ray
Data). Both run the same ``EncodeFaces`` on batches of input rows (``index``, ``source``,
``path``) and hand the coded rows to a ``ShardCollector`` in this process, which writes each
shard as soon as all its rows are in. Rows may arrive in any order; a shard is written once,
whole, and only with exactly its rows.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Type

import numpy as np

from cvlfic.archive.coding import CodingSettings
from cvlfic.archive.job import COLUMNS, ArchiveInterrupted, Job
from cvlfic.archive.ray_data import EncodeFaces

DEFAULT_BATCH_SIZE = 32


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def encoder_kwargs(settings: CodingSettings) -> Dict:
    """``EncodeFaces`` arguments that read the ``path`` column with ``settings``."""
    return {"column": "path", "paths": True, "align": settings.align, "quality": settings.quality,
            "bpp": settings.bpp, "max_bytes": settings.max_bytes, "mode": settings.mode,
            "model": settings.model, "detector": settings.detector,
            "max_pixels": settings.max_pixels, "threads": 1}


class ShardCollector:
    """Gathers coded rows by shard and writes each shard when it is complete."""

    def __init__(self, job: Job, pending: Sequence[int],
                 on_rows: Optional[Callable[[int], None]] = None):
        self.job = job
        self.parts: Dict[int, List[Dict[str, np.ndarray]]] = {k: [] for k in pending}
        self.missing = {k: len(job.shard_range(k)) for k in pending}
        self.on_rows = on_rows
        self.written = 0
        self.rows = 0
        self.faces = 0
        self.first = None  # (time, rows) of the first batch back: the workers' startup is over
        self.progress = []  # (time, rows so far) after each batch

    def add(self, batch: Dict[str, np.ndarray]) -> None:
        index = np.asarray(batch["index"], np.int64)
        shards = index // self.job.shard_size
        for k in np.unique(shards).tolist():
            if k not in self.missing:
                raise RuntimeError(f"rows of shard {k}, which is not being coded, came back")
            chosen = np.flatnonzero(shards == k)
            self.parts[k].append({name: np.asarray(batch[name])[chosen] for name in COLUMNS})
            self.missing[k] -= len(chosen)
            if self.missing[k] < 0:
                raise RuntimeError(f"shard {k} got more rows than it has inputs")
            if self.missing[k] == 0:
                parts = self.parts.pop(k)
                columns = {name: np.concatenate([p[name] for p in parts]) for name in COLUMNS}
                self.job.write_shard(k, columns)
                del self.missing[k]
                self.written += 1
        self.rows += len(index)
        if self.first is None:
            self.first = (time.time(), len(index))
        self.progress.append((time.time(), self.rows))
        self.faces += sum(error is None for error in batch["error"])
        if self.on_rows is not None:
            self.on_rows(len(index))

    def finish(self) -> None:
        if self.missing:
            left = sorted(self.missing)
            raise RuntimeError(f"{len(left)} shards are incomplete (first: {left[0]}, "
                               f"{self.missing[left[0]]} rows missing)")


def batches_of(table, batch_size: int) -> Iterable[Dict[str, np.ndarray]]:
    columns = {name: np.asarray(table.column(name).to_pylist(), dtype=object)
               for name in table.column_names}
    columns["index"] = table.column("index").to_numpy()
    for start in range(0, table.num_rows, batch_size):
        yield {name: v[start:start + batch_size] for name, v in columns.items()}


# -- local ---------------------------------------------------------------------------------
_WORKER: Optional[Callable] = None


def _init_worker(encoder: Type, kwargs: Dict) -> None:
    global _WORKER
    _WORKER = encoder(**kwargs)


def _run_worker(batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    return _WORKER(batch)


def run_local(job: Job, pending: Sequence[int], collector: ShardCollector, workers: int = 1,
              batch_size: int = DEFAULT_BATCH_SIZE, encoder: Type = EncodeFaces) -> None:
    """Code the pending shards here (``workers`` 1) or in a pool of processes, each with its
    own codec; the shards are written here as they complete."""
    batches = batches_of(job.inputs_table(pending), batch_size)
    kwargs = encoder_kwargs(job.settings)
    if workers <= 1:
        coder = encoder(**kwargs)
        for batch in batches:
            collector.add(coder(batch))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(encoder, kwargs)) as pool:
        in_flight = set()
        try:
            for batch in batches:
                if len(in_flight) >= 2 * workers:
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        collector.add(future.result())
                in_flight.add(pool.submit(_run_worker, batch))
            for future in list(in_flight):
                collector.add(future.result())
                in_flight.discard(future)
        except BaseException as exc:
            pool.shutdown(wait=False, cancel_futures=True)
            if isinstance(exc, BrokenProcessPool):
                raise ArchiveInterrupted(
                    f"a worker process died ({exc}); {collector.written} shards were written "
                    f"in this run; finish the archive with --resume") from exc
            raise


# -- ray -----------------------------------------------------------------------------------
def ray_init(address: Optional[str] = None):
    """Connect to Ray: the running cluster at ``address`` (``"auto"``, ``ray://...``), the
    one ``RAY_ADDRESS`` names (as ``ray job submit`` sets it), or a new local one."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError("the ray engine needs Ray: pip install 'cvlfic[ray]'") from exc
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=True)
    return ray


def ray_workers(ray, workers: Optional[int]) -> int:
    if workers:
        return int(workers)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_ray(job: Job, pending: Sequence[int], collector: ShardCollector,
            workers: Optional[int] = None, batch_size: int = DEFAULT_BATCH_SIZE,
            address: Optional[str] = None, encoder: Type = EncodeFaces) -> int:
    """Code the pending shards with Ray Data: a pool of ``workers`` actors (one CPU each, one
    codec each) runs ``encoder`` on batches; the coded rows stream back here to be written.

    An actor that dies is restarted and its task retried (Ray Data's default for actor
    pools: ``max_restarts=-1``, ``max_task_retries=-1``), so its rows are coded again, and
    only once: Ray hands each block's output back once. Returns the number of workers."""
    ray = ray_init(address)
    workers = ray_workers(ray, workers)
    table = job.inputs_table(pending)
    # Blocks of a few batches: a retried task redoes little, and the workers share the load.
    block_rows = max(batch_size, min(4 * batch_size, -(-table.num_rows // (4 * workers))))
    blocks = [table.slice(start, block_rows) for start in range(0, table.num_rows, block_rows)]
    dataset = ray.data.from_arrow(blocks) if blocks else ray.data.from_arrow(table)
    coded = dataset.map_batches(
        encoder, fn_constructor_kwargs=encoder_kwargs(job.settings),
        compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
        batch_size=batch_size, batch_format="numpy")
    try:
        for arrow in coded.iter_batches(batch_format="pyarrow", batch_size=None):
            collector.add(arrow_columns(arrow))
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveInterrupted(
            f"the Ray job failed ({type(exc).__name__}: {first[:300]}); {collector.written} "
            f"shards were written in this run; finish the archive with --resume") from exc
    return workers


def arrow_columns(table) -> Dict[str, np.ndarray]:
    """A batch as numpy columns, binary and string columns as object arrays (a fixed-width
    bytes array would drop trailing zero bytes)."""
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if name == "index" or column.type in (_pa().int32(), _pa().int64()):
            out[name] = column.to_numpy()
        else:
            out[name] = np.asarray(column.to_pylist() + [None], dtype=object)[:-1]
    return out


def _pa():
    import pyarrow as pa
    return pa
