"""README.md's "C and C++" section, done exactly as written, as a C user would do it.

The section's own code blocks are run: its ``cmake`` block is the project's CMakeLists.txt,
its shell blocks are run verbatim with bash (with ``cvlfic-config`` from the installed package
on PATH, and no LD_LIBRARY_PATH), and the program they build (c_consumer/read_lfic.c as
``app.c``) reads a .lfic stream made by ``cvlfic.encode``, calls cvlfic_read_info and
cvlfic_decode and prints the size and checksums of what it got, which must be
``cvlfic.bitstream.decode_pooled`` of the same stream.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

import cvlfic
from cvlfic import bitstream
from test_core_c_consumer import SOURCE, _cmake

CHECKOUT = Path(__file__).resolve().parents[2]
README = CHECKOUT / "README.md"
PROGRAM = SOURCE / "read_lfic.c"
SECTION = "### C and C++"


def _readme_blocks() -> Dict[str, List[str]]:
    """Fenced code blocks of the README's C section, by language."""
    text = README.read_text()
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    section = text.split(SECTION, 1)[1]
    section = re.split(r"^#{2,3} ", section, maxsplit=1, flags=re.MULTILINE)[0]
    blocks: Dict[str, List[str]] = {}
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL):
        blocks.setdefault(lang, []).append(body)
    return blocks


def _block(lang: str, containing: str) -> str:
    """The one block of that language that contains ``containing`` (or starts with it: "^...")."""
    if containing.startswith("^"):
        found = [b for b in _readme_blocks().get(lang, []) if b.startswith(containing[1:])]
    else:
        found = [b for b in _readme_blocks().get(lang, []) if containing in b]
    assert len(found) == 1, f"README's C section: expected one {lang} block with {containing!r}"
    return found[0]


def _config_script() -> str:
    """The installed ``cvlfic-config`` (beside this interpreter, as pip installs scripts)."""
    here = Path(sys.executable).parent
    exe = shutil.which("cvlfic-config", path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    assert exe, "cvlfic-config is not installed: reinstall cvlfic (pip install .)"
    return exe


def _user_env() -> Dict[str, str]:
    """A C user's shell: the package's scripts on PATH, no loader or pkg-config paths set."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PKG_CONFIG_PATH", "cvlfic_DIR")}
    env["PATH"] = os.pathsep.join([str(Path(_config_script()).parent), env.get("PATH", "")])
    if not shutil.which("make") and shutil.which("ninja"):
        env["CMAKE_GENERATOR"] = "Ninja"  # the README's cmake line uses the default generator
    return env


def _bash(script: str, cwd: Path) -> str:
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=_user_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"{script}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    return run.stdout


def _fnv1a(data: bytes) -> int:
    value = 14695981039346656037
    for byte in data:
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value


@pytest.fixture(scope="module")
def stream() -> bytes:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:112, 0:112]
    face = np.stack([(x * 2 + y) % 256, (y * 2) % 256, (x + 3 * y) % 256], axis=-1)
    face = np.clip(face + rng.integers(-20, 21, face.shape), 0, 255).astype(np.uint8)
    return cvlfic.encode(face)


def _expected_line(data: bytes) -> str:
    recon, mask, info = bitstream.decode_pooled(data)
    profile = bitstream.profile_info(info["profile"])
    assert recon.shape == (info["height"], info["width"], 3)
    return (f"{info['width']}x{info['height']} profile={info['profile']} "
            f"({profile['name']}, {profile['planes']}) levels={info['levels']} "
            f"mask={mask.shape[1]}x{mask.shape[0]} recon_bytes={recon.size} "
            f"recon_fnv1a={_fnv1a(recon.tobytes()):016x} mask_fnv1a={_fnv1a(mask.tobytes()):016x}")


def _project(tmp_path: Path, data: bytes) -> Path:
    """A user's folder: app.c (the C program) and face.lfic."""
    shutil.copy(PROGRAM, tmp_path / "app.c")
    (tmp_path / "face.lfic").write_bytes(data)
    return tmp_path


def test_config_dirs_are_the_installed_package_from_the_checkout(tmp_path):
    # The README's command, run inside the source checkout and elsewhere: the same installed
    # folders, never the checkout's cvlfic/ (the working directory is not on the script's path).
    command = _block("bash", "^cvlfic-config").splitlines()[0].split("#")[0].strip()
    assert command == "cvlfic-config --cmake-dir"
    for option, marker in [("--cmake-dir", "cvlficConfig.cmake"), ("--pkgconfig-dir", "cvlfic.pc"),
                           ("--include-dir", "cvlfic/cvlfic.h")]:
        answers = {_bash(f"cvlfic-config {option}", cwd).strip() for cwd in (CHECKOUT, tmp_path)}
        assert len(answers) == 1, answers
        path = Path(answers.pop())
        assert (path / marker).is_file(), path
    lib_dir = Path(_bash("cvlfic-config --lib-dir", CHECKOUT).strip())
    assert lib_dir == Path(_bash("cvlfic-config --cmake-dir", CHECKOUT).strip()).parents[1]


def test_readme_cmake_build(tmp_path, stream):
    _cmake()  # skips without cmake
    project = _project(tmp_path, stream)
    (project / "CMakeLists.txt").write_text(_block("cmake", "find_package(cvlfic"))
    script = _block("bash", "cmake -S")
    assert "cvlfic-config --cmake-dir" in script and "cvlfic::cvlfic" in _block("cmake", "find_package(")
    out = _bash(script, project)
    assert out.strip().splitlines()[-1] == _expected_line(stream)


def test_readme_pkg_config_build(tmp_path, stream):
    for tool in ("pkg-config", "cc"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (Debian: apt-get install pkgconf gcc)")
    project = _project(tmp_path, stream)
    out = _bash(_block("bash", "pkg-config --cflags --libs cvlfic"), project)
    assert out.strip().splitlines()[-1] == _expected_line(stream)


def test_readme_c_fragment_compiles(tmp_path):
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("cc is not installed")
    fragment = _block("c", "cvlfic_decode(")
    includes = [line for line in fragment.splitlines() if line.startswith("#include")]
    body = [line for line in fragment.splitlines() if not line.startswith("#include")]
    source = tmp_path / "fragment.c"
    source.write_text("\n".join(["#include <stdio.h>", "#include <stdlib.h>", *includes,
                                 "void fragment(const uint8_t *data, size_t size) {", *body, "}", ""]))
    include_dir = _bash("cvlfic-config --include-dir", tmp_path).strip()
    run = subprocess.run([cc, "-std=c99", "-fsyntax-only", f"-I{include_dir}", str(source)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
