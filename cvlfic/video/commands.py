"""``cvlfic video`` (frames to a ``.lfics`` face stream) and ``cvlfic unpack`` (back to PNGs)."""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import cv2
import numpy as np

SHEET_NAME = "contact_sheet.png"


def load_codec(model, threads, max_pixels=None):
    from cvlfic.errors import ModelFileError
    from cvlfic.lfic import Codec

    try:
        if max_pixels is None:
            return Codec(model, threads=threads)
        return Codec(model, threads=threads, max_pixels=max_pixels)
    except (FileNotFoundError, ModelFileError) as exc:
        raise SystemExit(f"cannot load the codec model: {exc}")


def _debug() -> bool:
    """``CVLFIC_DEBUG=1``: let errors out with their traceback."""
    return bool(os.environ.get("CVLFIC_DEBUG"))


def _restore(path: Path, existed: bool, size: int) -> None:
    """Undo a run that wrote nothing worth keeping: remove the file it created, or cut an
    existing stream back to its size before the run."""
    try:
        if not existed:
            if path.is_file():
                path.unlink()
        elif path.is_file() and path.stat().st_size > size:
            os.truncate(path, size)
    except OSError:
        pass


def run_video(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import cvlfic
    from cvlfic.errors import CorruptStreamError
    from cvlfic.video.encoder import FaceStreamEncoder
    from cvlfic.video.lfics import FaceStreamWriter
    from cvlfic.video.policy import StoragePolicy
    from cvlfic.video.records import StreamInfo
    from cvlfic.video.sources import open_source

    cv2.setNumThreads(args.threads)
    # FFmpeg inside OpenCV would add its own lines to ours for an unreadable input
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    try:
        policy = StoragePolicy(args.store)
    except ValueError as exc:
        raise SystemExit(str(exc))
    codec = load_codec(args.model, args.threads)
    try:
        encoder = FaceStreamEncoder(codec, quality=args.quality, bpp=args.bpp,
                                    max_bytes=args.max_bytes, detector=args.detector,
                                    detect_every=args.detect_every, upsample=args.upsample,
                                    min_face=args.min_face)
    except ImportError as exc:
        raise SystemExit(str(exc))
    # The input is opened and its first frame read before the output is touched: an input
    # that is not a video (or is missing) leaves no output file behind.
    name = str(args.input)
    if not (name.isdigit() or ":" in name or "%" in name or Path(name).exists()):
        raise SystemExit(f"cannot open {name}: no such file")
    # a camera or a stream: its clock jitters, so times are kept in milliseconds
    live = name.isdigit() or "://" in name
    try:
        source = open_source(args.input, args.backend, threads=args.threads)
    except Exception as exc:  # OSError, or whatever a reader raises on a foreign file
        if _debug():
            raise
        raise SystemExit(str(exc) if isinstance(exc, OSError) else
                         f"cannot read {args.input}: {exc}")
    frames = iter(source)
    t0 = time.perf_counter()
    try:
        first = next(frames, None)
    except Exception as exc:
        source.close()
        if _debug():
            raise
        raise SystemExit(f"cannot read a frame of {args.input} (not a video?): {exc}")
    read_s = time.perf_counter() - t0
    if first is None:
        source.close()
        raise SystemExit(f"no frame could be read from {args.input} (not a video, or an "
                         f"empty one)")
    step = max(1, args.every)
    if args.fps and source.fps:
        step = max(step, int(round(source.fps / args.fps)))
    total = source.frame_count
    if total is not None:
        total = (total + step - 1) // step
    if args.max_frames is not None:
        total = args.max_frames if total is None else min(total, args.max_frames)
    folder = next(p for p in args.output.absolute().parents if p.exists())
    if not folder.is_dir():
        source.close()
        raise SystemExit(f"cannot write {args.output}: {folder} is not a folder")
    existed = args.output.exists()
    size_before = args.output.stat().st_size if args.output.is_file() else 0
    writer = None
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        writer = FaceStreamWriter(args.output, fsync=args.fsync, time_unit=120 if live else 1)
        writer.write(StreamInfo({
            "source": str(args.input), "reader": source.backend, "fps": source.fps,
            "width": source.size[0], "height": source.size[1], "frame_step": step,
            "detector": encoder.detector.name, "detect_every": args.detect_every,
            "model": codec.model_dir.name,
            "rate": {k: v for k, v in encoder.rate.items() if v}, "store": policy.spec,
            "cvlfic": cvlfic.__version__, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
    except (CorruptStreamError, OSError) as exc:  # not a face stream, or cannot be written
        source.close()
        if writer is not None:
            writer.close()
        if not isinstance(exc, CorruptStreamError):
            _restore(args.output, existed, size_before)
        if _debug():
            raise
        raise SystemExit(str(exc) if isinstance(exc, CorruptStreamError) else
                         f"cannot write {args.output}: {exc.strerror or exc}")

    def all_frames():
        yield first
        yield from frames

    write_s = 0.0
    processed = 0
    failure = None
    start = time.perf_counter()
    bar = tqdm(total=total, unit="frame", desc="video", disable=args.quiet)
    frames_in = all_frames()
    index = -1
    try:
        while args.max_frames is None or processed < args.max_frames:
            t0 = time.perf_counter()
            try:
                item = next(frames_in, None)
            except Exception as exc:  # a stream that breaks off: keep what was written
                if _debug():
                    raise
                failure = f"input failed after {index + 1} frames: {exc}"
                break
            read_s += time.perf_counter() - t0
            if item is None:
                break
            index += 1
            if index % step:
                continue
            frame, seconds = item
            candidates = encoder.analyse_frame(frame, seconds, index)
            ended = encoder.ended_tracks
            records = encoder.encode_candidates(policy.push(candidates, seconds, ended))
            t1 = time.perf_counter()
            for record in records:
                writer.write(record)
            for track in ended:
                writer.end_track(track)
            write_s += time.perf_counter() - t1
            processed += 1
            bar.update(1)
            bar.set_postfix(faces=encoder.faces, kB=f"{encoder.bytes / 1000:.1f}")
    except KeyboardInterrupt:
        print("interrupted: the face stream holds every record written so far", file=sys.stderr)
    except BaseException:
        if processed == 0:  # nothing of this run is worth keeping: leave the file as it was
            writer.close()
            _restore(args.output, existed, size_before)
        raise
    finally:
        try:
            # the faces a policy still holds (every open track's best) are written last,
            # also after an interruption or a failing input
            if not writer.closed and processed:
                encoder.end_all()
                for record in encoder.encode_candidates(policy.flush()):
                    writer.write(record)
        finally:
            bar.close()
            source.close()
            writer.close()
    elapsed = time.perf_counter() - start
    stages = {"read": read_s, **encoder.stage_seconds, "write": write_s}
    per_frame = ", ".join(f"{k} {1000 * v / max(processed, 1):.1f}" for k, v in stages.items())
    kept = f" (of {encoder.seen} seen, --store {policy.spec})" if policy.mode != "all" else ""
    print(f"{args.output}: {processed} frames ({index + 1} read), {encoder.faces} faces{kept}, "
          f"{encoder.bytes} bytes of faces "
          f"({encoder.bytes / max(encoder.faces, 1):.0f} per face), "
          f"{writer.bytes_written} bytes written")
    print(f"{processed / max(elapsed, 1e-9):.1f} fps end to end; ms per frame: {per_frame}; "
          f"reader: {source.backend}, detector: {encoder.detector.name}")
    if failure:
        print(failure, file=sys.stderr)
        return 1
    return 0


def contact_sheet(tiles, columns: int) -> np.ndarray:
    """Tiles (equal-size BGR images) in a grid, ``columns`` wide."""
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.zeros((rows * h, columns * w, 3), np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * h:(r + 1) * h, c * w:(c + 1) * w] = tile
    return sheet


def labelled(face: np.ndarray, text: str) -> np.ndarray:
    tile = cv2.copyMakeBorder(face, 0, 16, 0, 0, cv2.BORDER_CONSTANT)
    cv2.putText(tile, text, (2, tile.shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                (255, 255, 255), 1, cv2.LINE_AA)
    return tile


#: The files ``cvlfic unpack`` writes: face PNGs (see ``face_png_name``) and the sheet.
UNPACK_FILE = re.compile(r"(run\d+_)?frame\d+_face\d+(_\d+)?\.png")


def face_png_name(record, taken) -> str:
    """``frameFFFFFF_faceK.png`` for the faces of a file's first run, ``runR_frameFFFFFF_faceK.png``
    for those of the runs appended after it (frame indices restart at 0 in each run); a name
    already in ``taken`` (the same face twice, e.g. a run whose stream info was damaged) gets
    ``_2``, ``_3``, ... before ``.png``. The name is added to ``taken``."""
    stem = f"frame{record.frame_index:06d}_face{record.face_index}"
    if record.run > 1:
        stem = f"run{record.run}_{stem}"
    name, copy = f"{stem}.png", 1
    while name in taken:
        copy += 1
        name = f"{stem}_{copy}.png"
    taken.add(name)
    return name


def run_unpack(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cvlfic.video.decoder import FaceStreamDecoder

    if not args.input.is_file():
        raise SystemExit(f"no such file: {args.input}")
    if args.output.exists() and not args.output.is_dir():
        raise SystemExit(f"{args.output} is not a folder")
    if args.output.is_dir() and not args.overwrite:
        earlier = sorted(p.name for p in args.output.iterdir()
                         if p.name == SHEET_NAME or
                         (not args.sheet_only and UNPACK_FILE.fullmatch(p.name)))
        if earlier:
            more = f" and {len(earlier) - 1} more" if len(earlier) > 1 else ""
            raise SystemExit(f"{args.output} already holds an unpack ({earlier[0]}{more}): "
                             f"unpack into another folder, or pass --overwrite to replace it")
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(f"cannot create {args.output}: {exc.strerror or exc}")
    decoder = FaceStreamDecoder(load_codec(args.model, args.threads, args.max_pixels),
                                args.batch,
                                on_damage=lambda d: tqdm.write(f"{args.input}: {d}",
                                                               file=sys.stderr))
    mode = "wb" if args.overwrite else "xb"  # never replace a file unasked
    tiles, count, taken = [], 0, set()
    for record, face in tqdm(decoder.decode(args.input), unit="face", desc="unpack",
                             disable=args.quiet):
        if not args.sheet_only:
            path = args.output / face_png_name(record, taken)
            ok, png = cv2.imencode(".png", face)
            try:
                if not ok:
                    raise OSError(f"PNG encoding failed for a {face.shape} face")
                with open(path, mode) as f:
                    f.write(png.tobytes())
            except FileExistsError:
                raise SystemExit(f"{path} already exists: unpack into another folder, or pass "
                                 f"--overwrite")
            except OSError as exc:
                raise SystemExit(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}")
        if face.shape[:2] != (112, 112):
            face = cv2.resize(face, (112, 112), interpolation=cv2.INTER_AREA)
        run = f"r{record.run} " if record.run > 1 else ""
        tiles.append(labelled(face, f"{run}#{record.frame_index} {record.timestamp:.2f}s"))
        count += 1
    if tiles:
        if len(tiles) > args.sheet_faces:  # evenly spaced over the stream
            tiles = [tiles[i] for i in np.linspace(0, len(tiles) - 1, args.sheet_faces).astype(int)]
        cv2.imwrite(str(args.output / SHEET_NAME), contact_sheet(tiles, args.columns))
    spans = [d for d in decoder.damage if d.offset >= 0]
    runs = max([1] + [i.run for i in decoder.info])
    print(f"{args.output}: {count} faces{'' if args.sheet_only else ' as PNG'}"
          f"{f', {SHEET_NAME}' if tiles else ''}"
          f"{f' from {runs} runs' if runs > 1 else ''}; skipped: "
          f"{len(spans)} damaged spans ({sum(d.length for d in spans)} bytes), "
          f"{decoder.refused} face records that do not decode")
    return 1 if decoder.damage and args.strict else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def register(subparsers) -> None:
    from cvlfic.lfic.model_files import DEFAULT_MODEL
    from cvlfic.face.detect import DETECTORS
    from cvlfic.video.sources import BACKENDS

    video = subparsers.add_parser(
        "video", help="code every face of a video into a .lfics face stream",
        description="Detect, align and code every face of a video file, camera or stream "
                    "into an append-only .lfics face stream (docs/face-stream.md).")
    video.add_argument("input", help="video file, camera index (0, 1, ...) or stream URL")
    video.add_argument("-o", "--output", type=Path, required=True, help="output .lfics file "
                       "(appended to if it exists)")
    video.add_argument("--max-frames", type=int, help="stop after this many processed frames")
    video.add_argument("--every", type=int, default=1, help="process every Nth frame")
    video.add_argument("--fps", type=float, help="process at most this many frames per second "
                       "of video")
    rate = video.add_mutually_exclusive_group()
    rate.add_argument("--quality", type=float, help="0..100 (default 50)")
    rate.add_argument("--bpp", type=float, help="bits per pixel cap per face")
    rate.add_argument("--max-bytes", type=int, help="byte budget per face, never exceeded")
    video.add_argument("--detector", choices=DETECTORS, default="auto",
                       help="face detector (auto: blazeface, else hog, else haar)")
    video.add_argument("--detect-every", type=int, default=3,
                       help="run the detector every N frames, track faces in between "
                            "(1: detect on every frame; default 3)")
    video.add_argument("--upsample", type=int, default=0,
                       help="hog only: double the frame this many times (finds smaller faces)")
    video.add_argument("--min-face", type=int, default=0, help="skip faces narrower than this")
    video.add_argument("--store", default="all", metavar="POLICY",
                       help="which faces to keep: all (default); best: the best-scored face "
                            "of each track (size, sharpness, pose, detector score), written "
                            "when the track ends; best:N: the same, and at least one face "
                            "every N seconds of a long track")
    video.add_argument("--backend", choices=BACKENDS, default="auto",
                       help="frame reader (auto: PyAV when installed, else OpenCV)")
    video.add_argument("--threads", type=int, default=1, help="threads for decoding and "
                       "inference (default 1)")
    video.add_argument("--fsync", action="store_true", help="fsync after every record")
    video.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    video.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    video.set_defaults(func=run_video)

    unpack = subparsers.add_parser(
        "unpack", help="decode a .lfics face stream to PNG crops and a contact sheet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Decode every intact face of a .lfics face stream to PNG files and a "
                    "contact sheet; damaged\nparts, and faces the codec refuses, are reported "
                    "and skipped.",
        epilog="Files written, one PNG per face (FFFFFF: frame index, K: face in the frame):\n"
               "  frameFFFFFF_faceK.png       a face of the file's first run\n"
               "  runR_frameFFFFFF_faceK.png  a face of run R = 2, 3, ...: each cvlfic video run\n"
               "                              appended to the file restarts frame indices at 0\n"
               "  NAME_2.png, NAME_3.png      a face whose name was already used in this file\n"
               "  contact_sheet.png           the contact sheet\n"
               "An output folder that already holds such files is refused (nothing is "
               "overwritten)\nunless --overwrite is given.")
    unpack.add_argument("input", type=Path, help=".lfics file")
    unpack.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    unpack.add_argument("--sheet-only", action="store_true", help="write only the contact sheet")
    unpack.add_argument("--sheet-faces", type=int, default=120,
                        help="faces on the contact sheet, evenly spaced (default 120)")
    unpack.add_argument("--columns", type=int, default=12, help="contact sheet columns")
    unpack.add_argument("--batch", type=int, default=32, help="faces decoded per batch")
    unpack.add_argument("--threads", type=int, default=1, help="inference threads")
    unpack.add_argument("--strict", action="store_true", help="exit 1 if anything was damaged "
                        "or refused")
    unpack.add_argument("--overwrite", action="store_true", help="replace the files of an "
                        "earlier unpack in the output folder (default: refuse)")
    unpack.add_argument("--max-pixels", type=_positive_int, default=None,
                        help="largest face to decode, in pixels (default: the codec's limit, "
                             "1048576); a record above it is reported and skipped")
    unpack.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    unpack.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    unpack.set_defaults(func=run_unpack)
