"""``archive(SRC, DST)``: a folder of face images to a Parquet archive of LFIC streams."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Type, Union

from cvlfic import bitstream
from cvlfic.archive.coding import CodingSettings
from cvlfic.archive.engines import (DEFAULT_BATCH_SIZE, ShardCollector, available_cpus,
                                    run_local, run_ray)
from cvlfic.archive.job import DEFAULT_SHARD_SIZE, MANIFEST_FILE, Job
from cvlfic.archive.ray_data import EncodeFaces
from cvlfic.archive.verify import verify_archive
from cvlfic.lfic.model_files import DEFAULT_MODEL
from cvlfic.lfic.modes import DEFAULT_MODE

ENGINES = ("local", "ray")


def archive(src: Union[str, Path], dst: Union[str, Path], *, engine: str = "local",
            workers: Optional[int] = None, align: bool = False, quality: Optional[float] = None,
            bpp: Optional[float] = None, max_bytes: Optional[int] = None,
            mode: str = DEFAULT_MODE.value,
            detector: str = "auto", model: str = DEFAULT_MODEL,
            max_pixels: int = bitstream.DEFAULT_MAX_PIXELS, shard_size: int = DEFAULT_SHARD_SIZE,
            batch_size: int = DEFAULT_BATCH_SIZE, resume: bool = False, verify: bool = False,
            limit: Optional[int] = None, address: Optional[str] = None, progress: bool = True,
            log: Callable[[str], None] = print, encoder: Type = EncodeFaces) -> Dict:
    """Code every image under ``src`` into the Parquet archive ``dst`` (one row per image;
    see docs/archive.md) and return its manifest.

    ``engine``: ``"local"`` (``workers`` processes on this machine, default one per CPU) or
    ``"ray"`` (a Ray Data pool of ``workers`` actors, default one per CPU of the cluster;
    ``address`` as ``ray.init`` takes it). ``resume`` finishes an interrupted archive (or
    checks a finished one); ``verify`` then decodes every row, and the manifest records the
    result. ``limit`` codes only the first inputs in sorted order. ``encoder``: a subclass of
    ``EncodeFaces`` to run instead of it (defined at module level for local worker
    processes, which import it; Ray pickles it)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if workers is not None and int(workers) < 1:
        raise ValueError(f"workers must be positive, not {workers}")
    if int(batch_size) < 1:
        raise ValueError(f"batch size must be positive, not {batch_size}")
    started = time.time()
    settings = CodingSettings(model=str(model), align=align, quality=quality, bpp=bpp,
                              max_bytes=max_bytes, mode=mode, detector=detector,
                              max_pixels=max_pixels)
    job = Job.plan(Path(src), Path(dst), settings, shard_size, limit)
    pending = job.start(resume)
    try:
        return _run(job, pending, started, engine, workers, batch_size, verify, address,
                    progress, log, encoder)
    finally:
        job.stop()


def _run(job: Job, pending, started: float, engine: str, workers: Optional[int],
         batch_size: int, verify: bool, address: Optional[str], progress: bool,
         log: Callable[[str], None], encoder: Type) -> Dict:
    previous = _previous_manifest(job)
    if pending and (job.dst / MANIFEST_FILE).exists():
        (job.dst / MANIFEST_FILE).unlink()  # a manifest stands for a finished archive
    todo = sum(len(job.shard_range(k)) for k in pending)
    done = job.shard_count - len(pending)
    log(f"{job.dst}: {_count(len(job.sources), 'image')} in {_count(job.shard_count, 'shard')}"
        + (f", {done} already done" if done else "") + f"; coding {todo} with {engine}")
    runs = list(previous.get("runs", [])) if previous else []
    if pending:
        bar = None
        if engine == "local" and progress:
            from tqdm import tqdm
            bar = tqdm(total=todo, unit="img", desc="archive", smoothing=0.05)
        collector = ShardCollector(job, pending, on_rows=bar.update if bar else None)
        coding_start = time.time()
        try:
            if engine == "local":
                used = min(workers or available_cpus(), -(-todo // batch_size))
                run_local(job, pending, collector, used, batch_size, encoder)
            else:
                used = run_ray(job, pending, collector, workers, batch_size, address, encoder)
        finally:
            if bar is not None:
                bar.close()
        collector.finish()
        end = time.time()
        runs.append({
            "engine": engine, "workers": used, "batch_size": batch_size,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "resumed": done > 0, "shards_coded": len(pending), "rows_coded": collector.rows,
            "faces_coded": collector.faces,
            "seconds": round(end - started, 2), "coding_seconds": round(end - coding_start, 2),
            "images_per_second": round(collector.rows / (end - started), 2),
            "faces_per_second": round(collector.faces / (end - started), 2),
            **_steady_rate(collector, coding_start, end),
        })
    manifest = (previous if previous and not pending and not verify
                else job.write_manifest(runs, previous.get("verify")
                                        if previous and not pending else None))
    counts = manifest["counts"]
    log(f"{job.dst}: {_count(counts['rows'], 'row')}, {_count(counts['faces'], 'face')}, "
        f"{_count(counts['errors'], 'error')}"
        + (f" ({', '.join(f'{k} {v}' for k, v in counts['errors_by_kind'].items())})"
           if counts["errors"] else ""))
    if runs and pending:
        run = runs[-1]
        log(f"coded {_count(run['rows_coded'], 'image')} in {run['seconds']:.1f} s: "
            f"{run['images_per_second']:.1f} images/s, {run['faces_per_second']:.1f} faces/s "
            f"({engine}, {_count(run['workers'], 'worker')})")
    if verify:
        result = verify_archive(job, engine, workers, address=address, progress=progress)
        manifest = job.write_manifest(runs, result)
        from cvlfic.archive.verify import summary_lines
        for line in summary_lines(result):
            log(line)
    return manifest


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _steady_rate(collector: ShardCollector, coding_start: float, end: float) -> Dict:
    """The startup (until the first batch is back: workers started, models loaded) and the
    rate once a tenth of the rows are back, which is what a long job runs at."""
    if collector.first is None:
        return {}
    tenth = next((t, n) for t, n in collector.progress if n >= collector.rows / 10)
    after = collector.rows - tenth[1]
    return {"startup_seconds": round(collector.first[0] - coding_start, 2),
            "steady_images_per_second": (round(after / (end - tenth[0]), 2)
                                         if after and end > tenth[0] else None)}


def _previous_manifest(job: Job) -> Optional[Dict]:
    path = job.dst / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None
