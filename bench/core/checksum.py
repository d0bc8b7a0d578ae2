"""What the v1 checksum (CRC-16/GENIBUS) guarantees on damaged streams of real faces.

Valid streams: the fast mode of the shipped codec, ``cvlfic.encode(chip, bpp=b)``, on aligned
112x112 LFW chips of identities not in pairs.txt (``chips.py``). Each damage kind is measured
two ways, through the public C API of the shipped library (``cvlfic/_native``), by the native
harness ``checksum.cpp`` (built here with g++):

- structural pass rate p_s: the damaged stream gets the right CRC-16 written into its last two
  bytes and is decoded. A stream that decodes to anything but the original (pixels, size,
  profile, levels or mask) is a structural pass: what the decoder's own checks let through.
  This is also what a deliberate forger achieves, since anyone can recompute a CRC.
- with the real CRC: the damaged stream is decoded as it is. A wrong decode here is what v1
  actually returns. Expected: p_s * 2^-16 per damaged stream, and 0 for the error patterns
  CRC-16 always detects.

Wrong decodes found by the harness are decoded again with ``cvlfic.bitstream.decode_pooled``
(the Python binding) and checked to be accepted and different from the original; and p_s of
one kind is measured again in pure Python, independently of the harness.

    python bench/core/checksum.py --faces 300 --trials 60000 --crc-trials 100000000 --out results/core

One process at a time (one core); about 5 minutes.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import argparse
import binascii
import hashlib
import json
import math
import platform
import random
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chips import load_chips  # noqa: E402

import cvlfic  # noqa: E402
from cvlfic import bitstream  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "cvlfic" / "_native"

# (name, harness kind, parameter, description, why CRC-16 detects every such error, or None)
KINDS = [
    ("overwrite1", "overwrite", 1, "1 random byte overwritten", "a burst of at most 8 bits"),
    ("overwrite2", "overwrite", 2, "2 random bytes overwritten", None),
    ("overwrite4", "overwrite", 4, "4 random bytes overwritten", None),
    ("overwrite8", "overwrite", 8, "8 random bytes overwritten", None),
    ("flip1", "flip", 1, "1 random bit flipped", "an odd number of bit errors"),
    ("flip2", "flip", 2, "2 random bits flipped", "2 bit errors less than 32767 bits apart"),
    ("flip3", "flip", 3, "3 random bits flipped", "an odd number of bit errors"),
    ("flip4", "flip", 4, "4 random bits flipped", None),
    ("flip8", "flip", 8, "8 random bits flipped", None),
    ("burst2", "burst", 2, "burst: 2 consecutive bytes overwritten", "a burst of at most 16 bits"),
    ("burst4", "burst", 4, "burst: 4 consecutive bytes overwritten", None),
    ("burst16", "burst", 16, "burst: 16 consecutive bytes overwritten", None),
    ("truncate", "truncate", 0, "truncated (every shorter length of every stream)", None),
    ("extend1", "extend", 1, "1 random byte appended",
     "with the final xor, the first CRC byte of a valid stream extended by one byte is always off by 0x1E"),
    ("extend2", "extend", 2, "2 random bytes appended", None),
    ("extend16", "extend", 16, "16 random bytes appended", None),
]
# With the real CRC these are enumerated exhaustively instead of sampled.
EXHAUSTIVE_CRC = {"overwrite1": "overwrite_all", "flip1": "flip_all", "truncate": "truncate"}
FIX_CHUNK = 5000
CRC_CHUNK = 25_000_000
STATUS_NAMES = {4: "foreign", 5: "unsupported version", 6: "unknown profile", 7: "truncated",
                8: "checksum", 9: "too large", 10: "corrupt (payload)", 11: "internal"}


def crc16_genibus(data: bytes) -> int:
    """CRC-16/GENIBUS: CRC-CCITT-FALSE (poly 0x1021, init 0xFFFF) with a final xor 0xFFFF."""
    return binascii.crc_hqx(data, 0xFFFF) ^ 0xFFFF


def with_crc(data: bytes) -> bytes:
    """``data`` with its last two bytes replaced by the CRC-16 of the rest."""
    return data[:-2] + crc16_genibus(data[:-2]).to_bytes(2, "big")


# -- statistics -------------------------------------------------------------------------------
def binom_ci(k: int, n: int, conf: float = 0.95):
    """Clopper-Pearson interval of a proportion."""
    from scipy.stats import beta
    a = (1 - conf) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


def poisson_ci(k: int, conf: float = 0.95):
    from scipy.stats import chi2
    a = (1 - conf) / 2
    lo = 0.0 if k == 0 else float(chi2.ppf(a, 2 * k) / 2)
    return lo, float(chi2.ppf(1 - a, 2 * k + 2) / 2)


# -- polynomial facts (exact, by enumeration) ---------------------------------------------------
def polynomial_facts(poly: int, width: int, search_bits: int) -> dict:
    """Error patterns a CRC detects for sure, found by enumeration over codewords of up to
    ``search_bits`` bits (data + check). A pattern e is missed iff P divides e(x); with
    s_a = x^a mod P, a 2-bit error at distance d is missed iff s_d = 1, and the shortest
    undetected 4-bit error is the smallest k with s_i ^ s_j ^ s_k = 1, 0 < i < j < k."""
    full = (1 << width) | poly
    s = np.empty(search_bits, dtype=np.uint64)
    v = 1
    for a in range(search_bits):
        s[a] = v
        v <<= 1
        if v >> width:
            v ^= full
    order = next((a for a in range(1, search_bits) if s[a] == 1), None)
    n = order if order is not None else search_bits
    srt = np.argsort(s[:n])
    ss = s[:n][srt]
    shortest4 = None
    for i in range(1, n - 2):
        if shortest4 is not None and i + 3 > shortest4:
            break
        t = s[i] ^ s[i + 1:n] ^ np.uint64(1)
        pos = np.searchsorted(ss, t)
        pos[pos >= n] = 0
        k = srt[pos]
        hit = (ss[pos] == t) & (k > np.arange(i + 1, n))
        if hit.any():
            length = int(k[hit].min()) + 1
            shortest4 = length if shortest4 is None else min(shortest4, length)
    return {
        "polynomial": f"0x{poly:0{width // 4}X}",
        "width": width,
        "divisible_by_x_plus_1": bin(full).count("1") % 2 == 0,  # every odd number of bit errors detected
        "bursts_detected_up_to_bits": width,
        "order_of_x": order,  # 2-bit errors are missed only at distances that are multiples of it
        "order_searched_up_to_bits": search_bits,
        "shortest_undetected_4bit_error_bits": shortest4,  # None: none within the search
    }


# -- streams and the harness ------------------------------------------------------------------
def encode_streams(chips: np.ndarray, bpps) -> dict:
    streams = {}
    with tqdm(total=len(bpps) * len(chips), desc="encode (fast mode)", unit="face") as bar:
        for b in bpps:
            out = []
            for chip in chips:
                out.append(cvlfic.encode(chip, bpp=b))
                bar.update()
            streams[b] = out
    for b, ss in streams.items():  # the CRC of every stream is the documented CRC-16/GENIBUS
        for s in ss:
            if s[-2:] != crc16_genibus(s[:-2]).to_bytes(2, "big"):
                raise SystemExit("a stream's last two bytes are not its CRC-16/GENIBUS")
    return streams


def write_streams(path: Path, streams) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<I", len(streams)))
        for s in streams:
            f.write(struct.pack("<I", len(s)) + s)


def build_harness(out_dir: Path) -> Path:
    """Builds checksum.cpp against a private copy of the shipped library, so that every run of
    the harness uses the same library even if the checkout's copy is rebuilt meanwhile."""
    lib_dir = out_dir / "lib"
    lib_dir.mkdir()
    real = (NATIVE / "lib" / "libcvlfic.so").resolve()
    shutil.copy2(real, lib_dir / real.name)
    for alias in ("libcvlfic.so.1", "libcvlfic.so"):
        if not (lib_dir / alias).exists():
            (lib_dir / alias).symlink_to(real.name)
    exe = out_dir / "checksum"
    cmd = ["g++", "-O2", "-std=c++17", "-o", str(exe), str(Path(__file__).with_name("checksum.cpp")),
           f"-I{NATIVE / 'include'}", f"-L{lib_dir}", "-lcvlfic", f"-Wl,-rpath,{lib_dir}"]
    subprocess.run(cmd, check=True)
    return exe


def library_sha256() -> str:
    return hashlib.sha256((NATIVE / "lib" / "libcvlfic.so").resolve().read_bytes()).hexdigest()


def run_harness(exe, streams_path, kind, param, mode, trials, seed, dump=None, dump_limit=0) -> dict:
    cmd = [str(exe), str(streams_path), kind, str(param), mode, str(trials), str(seed)]
    if dump is not None:
        cmd += [str(dump), str(dump_limit)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def merge(parts) -> dict:
    out = {}
    for p in parts:
        for key, value in p.items():
            if key in ("kind", "param", "mode", "library_version"):
                out[key] = value
            elif key == "rejected":
                rej = out.setdefault("rejected", {})
                for st, count in value.items():
                    rej[st] = rej.get(st, 0) + count
            elif key == "max_decode_seconds":
                out[key] = max(out.get(key, 0.0), value)
            elif isinstance(value, list):
                out.setdefault(key, []).extend(value)
            else:
                out[key] = out.get(key, 0) + value
    return out


def status_names(rejected: dict) -> dict:
    return {STATUS_NAMES.get(int(k), k): v for k, v in sorted(rejected.items(), key=lambda kv: int(kv[0]))}


def git_head() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def seed_of(*parts) -> int:
    return zlib.crc32(" ".join(map(str, parts)).encode())


def read_dump(path: Path, bpp):
    rows = []
    if path.is_file():
        for line in path.read_text().split("\n"):
            if line:
                idx, hexdata = line.split()
                rows.append((bpp, int(idx), bytes.fromhex(hexdata)))
    return rows


def same_decode(a, b) -> bool:
    (ra, ma, ia), (rb, mb, ib) = a, b
    return (ra.shape == rb.shape and np.array_equal(ra, rb) and np.array_equal(ma, mb)
            and ia["profile"] == ib["profile"] and ia["levels"] == ib["levels"])


def confirm_in_python(rows, streams, real_crc: bool) -> dict:
    """Each dumped wrong decode: accepted by ``bitstream.decode_pooled`` and different from the
    original's decode (and, for the real-CRC rows, its CRC-16 checks out as it is)."""
    agree = 0
    for bpp, idx, data in rows:
        ok = not real_crc or data[-2:] == crc16_genibus(data[:-2]).to_bytes(2, "big")
        try:
            damaged = bitstream.decode_pooled(data)
        except cvlfic.CvlficError:  # refused (corrupt, or above the default pixel limit)
            ok = False
        else:
            ok = ok and not same_decode(damaged, bitstream.decode_pooled(streams[bpp][idx]))
        agree += ok
    return {"checked": len(rows), "agree": agree}


def python_structural(streams, bpp, k: int, trials: int, seed: int) -> dict:
    """p_s of k overwritten bytes, measured without the harness: damage in Python, fix the CRC,
    ``bitstream.decode_pooled``."""
    rng = random.Random(seed)
    refs = [bitstream.decode_pooled(s) for s in streams[bpp]]
    wrong = 0
    for _ in tqdm(range(trials), desc=f"python check overwrite{k} @ {bpp}", unit="stream", leave=False):
        i = rng.randrange(len(streams[bpp]))
        s = bytearray(streams[bpp][i])
        for p in rng.sample(range(len(s)), k):
            s[p] ^= rng.randrange(1, 256)
        try:
            out = bitstream.decode_pooled(with_crc(bytes(s)))
        except cvlfic.CvlficError:
            continue
        wrong += not same_decode(out, refs[i])
    return {"kind": f"overwrite{k}", "bpp": bpp, "trials": trials, "wrong": wrong, "p_s": wrong / trials,
            "p_s_ci95": binom_ci(wrong, trials)}


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=int, default=300, help="chips (one per identity)")
    ap.add_argument("--bpp", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    ap.add_argument("--trials", type=int, default=60000,
                    help="damaged streams per kind decoded with the CRC fixed (split over the rates)")
    ap.add_argument("--crc-trials", type=int, default=100_000_000,
                    help="damaged streams per kind checked with the real CRC (split over the rates)")
    ap.add_argument("--python-trials", type=int, default=3000, help="pure-Python check of p_s (overwrite4)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="write checksum.json/.md here")
    ap.add_argument("--report-only", action="store_true",
                    help="measure nothing: recompute the derived figures and checksum.md from --out/checksum.json")
    args = ap.parse_args()
    if args.report_only:
        out = json.loads((args.out / "checksum.json").read_text())
        write_report(derive(out), args.out)
        return
    command = "python bench/core/checksum.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    t_start = time.time()

    chips = load_chips(args.faces)
    streams = encode_streams(chips, args.bpp)
    sizes = {b: float(np.mean([len(s) for s in ss])) for b, ss in streams.items()}

    facts = {"crc16_genibus": polynomial_facts(0x1021, 16, 32768),
             "crc32c": polynomial_facts(0x1EDC6F41, 32, 8192),
             "crc32_ieee": polynomial_facts(0x04C11DB7, 32, 8192)}

    per_bpp = len(args.bpp)
    fix_jobs, crc_jobs = [], []
    for name, kind, param, _, _ in KINDS:
        for bi, b in enumerate(args.bpp):
            if kind == "truncate":
                fix_jobs.append((name, b, kind, param, 0, 0))
            else:
                n = args.trials // per_bpp
                for c in range(math.ceil(n / FIX_CHUNK)):
                    fix_jobs.append((name, b, kind, param, min(FIX_CHUNK, n - c * FIX_CHUNK), c))
            if name in EXHAUSTIVE_CRC:
                crc_jobs.append((name, b, EXHAUSTIVE_CRC[name], param, 0, 0))
            else:
                n = args.crc_trials // per_bpp
                for c in range(math.ceil(n / CRC_CHUNK)):
                    crc_jobs.append((name, b, kind, param, min(CRC_CHUNK, n - c * CRC_CHUNK), c))

    results = {name: {"fixcrc": {}, "crc": {}} for name, *_ in KINDS}
    dumps = {"fixcrc": [], "crc": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exe = build_harness(tmp)
        lib_sha = library_sha256()
        paths = {}
        for b in args.bpp:
            paths[b] = tmp / f"streams_{b}.bin"
            write_streams(paths[b], streams[b])
        for mode, jobs, dump_limit in (("fixcrc", fix_jobs, 3), ("crc", crc_jobs, 10**6)):
            label = "decode with fixed CRC" if mode == "fixcrc" else "real CRC-16"
            with tqdm(total=len(jobs), desc=label, unit="job") as bar:
                for name, b, kind, param, trials, chunk in jobs:
                    bar.set_postfix_str(f"{name} @ {b} bpp")
                    dump = tmp / "dump.txt"
                    dump.unlink(missing_ok=True)
                    r = run_harness(exe, paths[b], kind, param, mode, trials,
                                    seed_of(args.seed, mode, name, b, chunk), dump, dump_limit)
                    results[name][mode].setdefault(b, []).append(r)
                    dumps[mode] += read_dump(dump, b)
                    bar.update()
    harness_checks = {mode: confirm_in_python(rows, streams, mode == "crc") for mode, rows in dumps.items()}
    mid = args.bpp[len(args.bpp) // 2]
    python_check = python_structural(streams, mid, 4, args.python_trials, args.seed)
    python_check["harness_p_s"] = None  # filled below

    kinds_out = []
    for name, kind, param, desc, reason in KINDS:
        fix_by = {b: merge(parts) for b, parts in results[name]["fixcrc"].items()}
        crc_by = {b: merge(parts) for b, parts in results[name]["crc"].items()}
        fix = merge(fix_by.values())
        crc = merge(crc_by.values())
        p_s = fix["wrong"] / fix["trials"]
        frac = np.asarray(fix.get("changed_fraction", []))
        row = {
            "kind": name, "harness_kind": kind, "param": param, "description": desc,
            "crc16_detects_all": reason is not None, "crc16_detects_all_because": reason,
            "structural": {
                "trials": fix["trials"], "wrong": fix["wrong"], "p_s": p_s, "p_s_ci95": binom_ci(fix["wrong"], fix["trials"]),
                "p_s_by_bpp": {str(b): v["wrong"] / v["trials"] for b, v in fix_by.items()},
                "trials_by_bpp": {str(b): v["trials"] for b, v in fix_by.items()},
                "identical": fix["identical"],  # damage that leaves the stream's content as it was (e.g. only in the CRC bytes)
                "wrong_size_changed": fix["wrong_size"],
                "size_changes": sorted(set(fix.get("size_changes", []))),
                "wrong_profile_changed": fix["wrong_profile"],
                "wrong_levels_changed": fix["wrong_levels"],
                "wrong_pixels_same_but_mask_or_levels": fix["wrong_recon_same"],
                "wrong_with_header_damaged": fix["wrong_header_hit"],
                "changed_pixels_median": float(np.median(frac)) if frac.size else None,
                "changed_pixels_p10_p90": [float(np.percentile(frac, 10)), float(np.percentile(frac, 90))] if frac.size else None,
                "rejected": status_names(fix.get("rejected", {})),
                "decode_seconds": fix["decode_seconds"], "max_decode_seconds": fix["max_decode_seconds"],
                "declared_over_1Mi_pixels": fix["large_decodes"],
            },
            "real_crc16": {
                "trials": crc["trials"], "exhaustive": name in EXHAUSTIVE_CRC,
                "crc_pass": crc["crc_pass"], "crc_pass_rate": crc["crc_pass"] / crc["trials"],
                "crc_pass_rate_times_2_16": crc["crc_pass"] / crc["trials"] * 2 ** 16,
                "wrong": crc["wrong"], "wrong_rate": crc["wrong"] / crc["trials"],
                "wrong_rate_ci95": binom_ci(crc["wrong"], crc["trials"]),
                "wrong_per_million": crc["wrong"] / crc["trials"] * 1e6,
                "wrong_per_million_ci95": [x * 1e6 for x in binom_ci(crc["wrong"], crc["trials"])],
                "wrong_among_crc_passes": crc["wrong"] / crc["crc_pass"] if crc["crc_pass"] else None,
                "wrong_among_crc_passes_ci95": binom_ci(crc["wrong"], crc["crc_pass"]) if crc["crc_pass"] else None,
                "wrong_size_changed": crc["wrong_size"],
                "changed_pixels_median": float(np.median(crc["changed_fraction"])) if crc.get("changed_fraction") else None,
                "rejected_after_crc_pass": status_names(crc.get("rejected", {})),
            },
        }
        kinds_out.append(row)
        if name == "overwrite4":
            python_check["harness_p_s"] = row["structural"]["p_s_by_bpp"][str(mid)]

    out = {
        "command": command,
        "faces": args.faces, "bpp": args.bpp, "trials_per_kind": args.trials, "crc_trials_per_kind": args.crc_trials,
        "seed": args.seed,
        "streams": {str(b): {"count": len(ss), "mean_bytes": sizes[b], "min_bytes": min(map(len, ss)),
                             "max_bytes": max(map(len, ss)),
                             "profiles": sorted({bitstream.read_info(s)["profile"] for s in ss}),
                             "levels": sorted({bitstream.read_info(s)["levels"] for s in ss})}
                    for b, ss in streams.items()},
        "polynomials": facts,
        "kinds": kinds_out,
        "checks": {"harness_wrong_decodes_confirmed_by_decode_pooled": harness_checks,
                   "python_structural_overwrite4": python_check},
        "library": {"path": str((NATIVE / "lib" / "libcvlfic.so").resolve().relative_to(ROOT)),
                    "version": results["overwrite1"]["fixcrc"][args.bpp[0]][0].get("library_version"),
                    "sha256": lib_sha, "git_head": git_head()},
        "machine": platform.processor() or platform.machine(),
        "seconds": time.time() - t_start,
    }
    write_report(derive(out), args.out)


def miss_probability(row: dict, width: int, facts: dict, max_stream_bits: int) -> float:
    """Fraction of damaged streams of this kind that a CRC of ``width`` bits lets through: 0 for
    the error patterns it always detects; 2^-(width-1) for an even number of bit flips when
    the polynomial has the factor x+1 (their parity already checks out); 2^-width otherwise."""
    kind, param = row["harness_kind"], row["param"]
    odd_detected = facts["divisible_by_x_plus_1"]
    if width == 16 and row["crc16_detects_all"]:
        return 0.0
    if kind == "overwrite" and param == 1 and width >= 8:
        return 0.0
    if kind == "burst" and 8 * param <= width:
        return 0.0
    if kind == "flip":
        if param % 2 and odd_detected:
            return 0.0
        if param == 2 and facts["order_of_x"] is None and max_stream_bits <= facts["order_searched_up_to_bits"]:
            return 0.0
        if param <= 4 and facts["shortest_undetected_4bit_error_bits"] is not None \
                and max_stream_bits < facts["shortest_undetected_4bit_error_bits"] and odd_detected:
            return 0.0  # every error of 1 to 5 bits
        if param % 2 == 0 and odd_detected:
            return 2.0 ** -(width - 1)
    return 2.0 ** -width


def derive(out: dict) -> dict:
    """Expected rates, the pooled comparison and the summary, from the counts in ``out``."""
    max_bits = 8 * max(v["max_bytes"] for v in out["streams"].values())
    f16, f32c = out["polynomials"]["crc16_genibus"], out["polynomials"]["crc32c"]
    for r in out["kinds"]:
        p_s = r["structural"]["p_s"]
        q16 = miss_probability(r, 16, f16, max_bits)
        q32 = miss_probability(r, 32, f32c, max_bits)
        r["expected"] = {
            "crc16_miss_probability": q16, "crc16_miss_times_2_16": q16 * 2 ** 16,
            "crc16_wrong_rate": p_s * q16, "crc16_wrong_per_million": p_s * q16 * 1e6,
            "crc16_wrong_per_million_flat_2_16": 0.0 if q16 == 0 else p_s * 2.0 ** -16 * 1e6,
            "crc32c_miss_probability": q32,
            "crc32c_wrong_rate": p_s * q32, "crc32c_wrong_per_million": p_s * q32 * 1e6,
            "hash32_wrong_per_million": p_s * 2.0 ** -32 * 1e6,  # a 32-bit hash: no pattern detected for sure
        }
        r["real_crc16"]["expected_wrong"] = p_s * q16 * r["real_crc16"]["trials"]
    random_rows = [r for r in out["kinds"] if r["expected"]["crc16_miss_probability"] > 0 and r["kind"] != "truncate"]
    pooled_measured = sum(r["real_crc16"]["wrong"] for r in random_rows)
    pooled_expected = sum(r["real_crc16"]["expected_wrong"] for r in random_rows)
    hit_rows = [r for r in random_rows if r["structural"]["p_s"] > 0]
    rates16 = [r["expected"]["crc16_wrong_per_million"] for r in hit_rows]
    rates32 = [r["expected"]["crc32c_wrong_per_million"] for r in hit_rows if r["expected"]["crc32c_wrong_per_million"] > 0]
    trunc = next(r for r in out["kinds"] if r["kind"] == "truncate")
    sizes = {b: v["mean_bytes"] for b, v in out["streams"].items()}
    ps_all = [r["structural"]["p_s"] for r in out["kinds"]]
    out["summary"] = {
        "p_s_range_all_kinds": [min(ps_all), max(ps_all)],
        "random_damage_kinds": [r["kind"] for r in random_rows],
        "random_damage_kinds_with_wrong_decodes": [r["kind"] for r in hit_rows],
        "truncation": {"cut_streams": trunc["real_crc16"]["trials"], "crc_passes": trunc["real_crc16"]["crc_pass"],
                       "wrong": trunc["real_crc16"]["wrong"], "p_s": trunc["structural"]["p_s"]},
        "crc16_wrong_per_million_range": [min(rates16), max(rates16)],
        "crc32c_wrong_per_million_range": [min(rates32), max(rates32)] if rates32 else [0, 0],
        "pooled_real_crc16": {"trials": sum(r["real_crc16"]["trials"] for r in random_rows),
                              "measured_wrong": pooled_measured, "measured_ci95": poisson_ci(pooled_measured),
                              "expected_wrong": pooled_expected,
                              "ratio": pooled_measured / pooled_expected if pooled_expected else None},
        "crc32_extra_bytes": 2,
        "crc32_cost_percent": {b: 200.0 / v for b, v in sizes.items()},
    }
    return out


def write_report(out: dict, out_dir) -> None:
    md = render_md(out)
    print(md)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "checksum.json").write_text(json.dumps(out, indent=1))
        (out_dir / "checksum.md").write_text(md)


def sci(x: float) -> str:
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    return f"{x / 10 ** e:.2f}e{e}"


def render_md(o: dict) -> str:
    s = o["summary"]
    bpps = list(o["streams"])
    f16, f32c = o["polynomials"]["crc16_genibus"], o["polynomials"]["crc32c"]
    max_bytes = max(v["max_bytes"] for v in o["streams"].values())
    lines = [
        "# What the v1 checksum (CRC-16/GENIBUS) guarantees, measured on damaged streams of real faces",
        "",
        "    " + o["command"],
        "",
        f"{o['faces']} aligned 112x112 LFW chips (identities not in pairs.txt), coded by the fast mode of"
        " `cvlfic.encode` at " + ", ".join(f"{b} bpp (mean {o['streams'][b]['mean_bytes']:.1f} bytes)" for b in bpps)
        + f"; {o['faces'] * len(bpps)} valid streams of {min(v['min_bytes'] for v in o['streams'].values())}-{max_bytes}"
        f" bytes. Decoder: the C API of `{o['library']['path']}` (version {o['library']['version']}, at commit"
        f" {o['library']['git_head'][:7]}), default limits. {o['seconds'] / 60:.1f} minutes on one core.",
        "",
        "- **p_s**, the structural pass rate: the damaged stream gets the right CRC-16 in its last two bytes and is"
        " decoded. p_s is the fraction that decodes to anything but the original: pixels, size, profile, levels"
        " or mask. A forger gets exactly this, since anyone can recompute a CRC.",
        "- **real CRC-16**: the damaged stream is decoded as it is. *Wrong* = accepted, and not the original.",
        "- **CRC misses**: the fraction of damaged streams whose CRC still checks out, x 2^16. Measured, and"
        " what the polynomial predicts: 0 for the error patterns it always detects (marked *); 2 for an even"
        " number of flipped bits, because 0x1021 has the factor x+1 and such errors already have the right"
        " parity; 1 otherwise.",
        "- **expected** wrong decodes: p_s x the CRC's miss probability, for CRC-16 and for CRC-32C"
        " (0x1EDC6F41) in the same place.",
        "",
        "| damage | trials, fixed CRC | p_s | p_s at " + " / ".join(bpps) + " bpp | trials, real CRC-16"
        " | CRC misses x 2^16, measured / predicted | wrong decodes, real CRC-16: measured (expected)"
        " | per million damaged streams: measured (95% CI) | expected, CRC-16 | expected, CRC-32C |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in o["kinds"]:
        st, rc, ex = r["structural"], r["real_crc16"], r["expected"]
        lo, hi = rc["wrong_per_million_ci95"]
        trials_crc = f"{rc['trials']:,}" + (" (all)" if rc["exhaustive"] else "")
        c32 = "0 *" if ex["crc32c_miss_probability"] == 0 else sci(ex["crc32c_wrong_per_million"])
        lines.append(
            f"| {r['kind']}{' *' if r['crc16_detects_all'] else ''} | {st['trials']:,} | {100 * st['p_s']:.2f}%"
            f" | {' / '.join(f'{100 * v:.2f}%' for v in st['p_s_by_bpp'].values())} | {trials_crc}"
            f" | {rc['crc_pass_rate_times_2_16']:.2f} / {ex['crc16_miss_times_2_16']:g}"
            f" | {rc['wrong']} ({rc['expected_wrong']:.1f}) | {rc['wrong_per_million']:.3f} ({lo:.3f}-{hi:.3f})"
            f" | {ex['crc16_wrong_per_million']:.3f} | {c32} |")
    pr = s["pooled_real_crc16"]
    lo, hi = pr["measured_ci95"]
    r16, r32 = s["crc16_wrong_per_million_range"], s["crc32c_wrong_per_million_range"]
    lines += [
        "",
        f"Pooled over the kinds CRC-16 does not always detect (truncation aside: {', '.join(s['random_damage_kinds'])}):"
        f" **{pr['measured_wrong']} wrong decodes with the real CRC-16 in {pr['trials']:,} damaged streams"
        f" (95% CI {lo:.0f}-{hi:.0f}), expected {pr['expected_wrong']:.1f}** (ratio {pr['ratio']:.2f}).",
        f"Per kind ({', '.join(s['random_damage_kinds_with_wrong_decodes'])}), expected wrong decodes per million"
        f" damaged streams: **{r16[0]:.2f}-{r16[1]:.2f} with the CRC-16, {sci(r32[0])}-{sci(r32[1])} with a"
        " CRC-32C**. Appending 2 or more bytes never decoded wrongly, even with the CRC fixed.",
        f"Truncation: all {s['truncation']['cut_streams']:,} shorter lengths of the streams were tried, so that row"
        f" is exact: {s['truncation']['crc_passes']} cut streams had a matching CRC, and the decoder rejected"
        f" {'all of them' if s['truncation']['wrong'] == 0 else 'all but ' + str(s['truncation']['wrong'])}.",
        "",
        "## Wrong decodes with the CRC fixed",
        "",
        "| damage | wrong | of another size | profile changed | header damaged | pixels changed, median (p10-p90)"
        " | rejected, by status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in o["kinds"]:
        st = r["structural"]
        med = "-" if st["changed_pixels_median"] is None else (
            f"{100 * st['changed_pixels_median']:.1f}% ({100 * st['changed_pixels_p10_p90'][0]:.1f}-"
            f"{100 * st['changed_pixels_p10_p90'][1]:.1f}%)")
        rej = ", ".join(f"{k} {v:,}" for k, v in st["rejected"].items())
        lines.append(f"| {r['kind']} | {st['wrong']:,} | {st['wrong_size_changed']} | {st['wrong_profile_changed']}"
                     f" | {st['wrong_with_header_damaged']} | {med} | {rej} |")
    lines += [
        "",
        "Pixels changed: the share of the 112x112 pixels whose reconstruction differs, among wrong decodes of the"
        " original size. `too large`: a damaged size field claims more than the default decode limit (1024 x 1024).",
        "",
        "## Cost of a 32-bit check (+2 bytes per stream)",
        "",
        "| bpp | mean stream | +2 bytes |",
        "|---|---|---|",
    ]
    for b in bpps:
        lines.append(f"| {b} | {o['streams'][b]['mean_bytes']:.1f} bytes | +{s['crc32_cost_percent'][b]:.2f}% |")
    lines += [
        "",
        "## Error patterns detected for sure (enumerated by the script)",
        "",
        f"- CRC-16/GENIBUS (0x1021): has the factor x+1: {f16['divisible_by_x_plus_1']} (every odd number of bit"
        f" errors); every burst up to 16 bits; order of x = {f16['order_of_x']} (two bit errors are missed only"
        f" when {f16['order_of_x']} bits apart: never in a stream up to {f16['order_of_x'] // 8} bytes); shortest"
        f" undetected 4-bit error: {f16['shortest_undetected_4bit_error_bits']} bits. One byte appended to a"
        " valid stream is always detected (final xor: the first CRC byte is off by 0x1E).",
        f"- CRC-32C (0x1EDC6F41): has the factor x+1: {f32c['divisible_by_x_plus_1']}; every burst up to 32 bits;"
        f" order of x > {f32c['order_searched_up_to_bits']}; shortest undetected 4-bit error:"
        f" {f32c['shortest_undetected_4bit_error_bits']} bits, so every error of up to 5 bits is detected in"
        f" streams up to {(f32c['shortest_undetected_4bit_error_bits'] - 1) // 8} bytes (these are at most"
        f" {max_bytes}).",
        "",
        "## Checks",
        "",
    ]
    hc = o["checks"]["harness_wrong_decodes_confirmed_by_decode_pooled"]
    pc = o["checks"]["python_structural_overwrite4"]
    lines += [
        f"- Wrong decodes found by the harness, decoded again by `cvlfic.bitstream.decode_pooled`: with the CRC"
        f" fixed {hc['fixcrc']['agree']}/{hc['fixcrc']['checked']} (a sample), with the real CRC"
        f" {hc['crc']['agree']}/{hc['crc']['checked']} (all) accepted and different from the original; the"
        " real-CRC ones also check out under `binascii.crc_hqx`.",
        f"- p_s of {pc['kind']} at {pc['bpp']} bpp measured in pure Python (damage, `binascii.crc_hqx`,"
        f" `decode_pooled`): {100 * pc['p_s']:.2f}% (95% CI {100 * pc['p_s_ci95'][0]:.2f}-"
        f"{100 * pc['p_s_ci95'][1]:.2f}%) in {pc['trials']:,} trials; the harness: {100 * pc['harness_p_s']:.2f}%.",
        "- The harness decides the real CRC of same-length damage from the error pattern alone (the CRC is linear);"
        " each run first checks that decision against the full CRC on 20,000 damaged streams, half of them"
        " forced to pass, and every stream that passes is checked again with the full CRC.",
        "",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
