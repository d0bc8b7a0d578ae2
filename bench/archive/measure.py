"""Run one ``cvlfic archive`` measurement and record it as results/archive/<name>.json.

    python bench/archive/measure.py NAME DST -- cvlfic archive SRC DST [options]

Records the command, the wall time, the machine's load average before and after (the
machine may be shared), and the manifest's counts, run and verify figures."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main():
    name, dst = sys.argv[1], Path(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    load_before = os.getloadavg()
    start = time.time()
    done = subprocess.run(command)
    wall = time.time() - start
    manifest = json.loads((dst / "manifest.json").read_text())
    run = manifest["runs"][-1]
    verify = manifest.get("verify") or {}
    result = {
        "name": name,
        "command": " ".join(command),
        "exit_status": done.returncode,
        "cpus": len(os.sched_getaffinity(0)),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wall_seconds": round(wall, 1),
        "inputs": manifest["inputs"],
        "counts": manifest["counts"],
        "run": run,
        "images_per_second": run["images_per_second"],
        "faces_per_second": run["faces_per_second"],
        "coding_images_per_second": round(run["rows_coded"] / run["coding_seconds"], 2),
        "startup_seconds": run.get("startup_seconds"),
        "steady_images_per_second": run.get("steady_images_per_second"),
        "verify": {k: verify.get(k) for k in ("ok", "engine", "workers", "rows", "faces_decoded",
                                                "failures", "seconds", "faces_per_second")},
        "cvlfic_version": manifest["cvlfic_version"],
        "model": manifest["model"],
        "settings": manifest["settings"],
    }
    out = Path(__file__).resolve().parents[2] / "results" / "archive" / f"{name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("name", "wall_seconds", "images_per_second",
                                             "faces_per_second", "startup_seconds",
                                             "steady_images_per_second")}))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
