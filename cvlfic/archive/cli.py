"""``cvlfic archive SRC DST``: a folder of face images to a Parquet archive of LFIC streams."""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path


def run_archive(args: argparse.Namespace) -> int:
    from cvlfic.archive import archive

    if importlib.util.find_spec("pyarrow") is None:
        raise ValueError("the archive is written with pyarrow: pip install pyarrow "
                         "(or 'cvlfic[ray]', which brings it)")
    if args.engine == "ray" and importlib.util.find_spec("ray") is None:
        raise ValueError("--engine ray needs Ray: pip install 'cvlfic[ray]' "
                         "(or use --engine local)")
    manifest = archive(
        args.src, args.dst, engine=args.engine, workers=args.workers, align=args.align,
        quality=args.quality, bpp=args.bpp, max_bytes=args.max_bytes, mode=args.mode,
        detector=args.detector, model=args.model, max_pixels=args.max_pixels,
        shard_size=args.shard_size, batch_size=args.batch_size, resume=args.resume,
        verify=args.verify, limit=args.limit, address=args.address,
        progress=not args.quiet and sys.stderr.isatty() or args.progress,
        log=lambda line: print(line, flush=True))
    verify = manifest.get("verify")
    return 1 if args.verify and verify and not verify["ok"] else 0


def register(subparsers) -> None:
    from cvlfic import bitstream
    from cvlfic.archive.engines import DEFAULT_BATCH_SIZE
    from cvlfic.archive.job import DEFAULT_SHARD_SIZE
    from cvlfic.commands.codec_files import positive_float, positive_int, quality_value
    from cvlfic.lfic.model_files import DEFAULT_MODEL
    from cvlfic.lfic.modes import DEFAULT_MODE, MODES, modes_help

    p = subparsers.add_parser(
        "archive", help="code a folder of face images into a Parquet archive (local or Ray)",
        description="Code every image under SRC (a folder tree; files with an image suffix) into "
                    "DST, a folder of Parquet shards with one row per image (the face's LFIC "
                    "stream, or the reason it has none) and a manifest.json written last. An "
                    "interrupted run is finished with --resume; rows are never lost or repeated. "
                    "Exit status 1 when --verify finds a damaged row.")
    p.add_argument("src", type=Path, help="folder of images (searched recursively)")
    p.add_argument("dst", type=Path, help="archive folder (new or empty; or one to --resume)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: processes on this machine (default); ray: Ray Data (this "
                        "machine, or the cluster of --address / RAY_ADDRESS)")
    p.add_argument("--workers", type=positive_int,
                   help="worker processes or Ray actors, one codec each (default: one per CPU)")
    p.add_argument("--align", action="store_true",
                   help="detect the largest face and align it to the 112x112 crop (an image "
                        "without a face becomes an error row)")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument("--quality", type=quality_value, help="0..100 (default 50)")
    rate.add_argument("--bpp", type=positive_float, help="bits per pixel cap")
    rate.add_argument("--max-bytes", type=positive_int, help="byte budget per face")
    p.add_argument("--mode", choices=MODES, default=DEFAULT_MODE.value,
                   help="encoder mode: " + modes_help())
    p.add_argument("--detector", choices=["auto", "hog", "haar"], default="auto",
                   help="face detector for --align (default: hog with dlib, else haar)")
    p.add_argument("--verify", action="store_true",
                   help="decode every row afterwards and report failures (exit status 1)")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted archive in DST (or check a finished one)")
    p.add_argument("--shard-size", type=positive_int, default=DEFAULT_SHARD_SIZE,
                   help=f"images per Parquet shard (default {DEFAULT_SHARD_SIZE}); fixed by the "
                        f"first run")
    p.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE,
                   help=f"images per worker call (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--limit", type=positive_int,
                   help="only the first N images in sorted order (a trial run)")
    p.add_argument("--address", help="Ray cluster address for --engine ray (e.g. auto)")
    p.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    p.add_argument("--max-pixels", type=positive_int, default=bitstream.DEFAULT_MAX_PIXELS,
                   help="largest image to code in pixels (with --align: the aligned crop)")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--progress", action="store_true",
                       help="show the local progress bar even when stderr is not a terminal")
    shown.add_argument("-q", "--quiet", action="store_true", help="no local progress bar")
    p.set_defaults(func=run_archive)
