"""Public names never disappear unnoticed: every name in tests/public_names.txt must still be
published (Python: in the module's ``__all__`` and importable; C: declared with CVLFIC_API in
the header and exported by the installed ``libcvlfic``). New names may be added freely; a
published name missing from the list is reported as a warning, so it can be added."""
from __future__ import annotations

import ctypes
import importlib
import re
import warnings
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIST = Path(__file__).with_name("public_names.txt")
HEADER = ROOT / "csrc" / "include" / "cvlfic" / "cvlfic.h"
C_SECTION = "C: cvlfic/cvlfic.h"


def listed() -> Dict[str, List[str]]:
    """Section name -> names, in file order."""
    sections: Dict[str, List[str]] = {}
    current = None
    for line in LIST.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is None:
            raise ValueError(f"{LIST}: {line!r} before any [section]")
        else:
            current.append(line)
    return sections


def header_functions(text: str) -> List[str]:
    """The functions a C header declares with CVLFIC_API (comments removed)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.findall(r"^\s*CVLFIC_API\b[\w\s*]*?\b(cvlfic_\w+)\s*\(", text, flags=re.M)


SECTIONS = listed()
PYTHON_MODULES = [name for name in SECTIONS if name != C_SECTION]


def test_the_list_is_well_formed():
    assert C_SECTION in SECTIONS and "cvlfic" in SECTIONS
    for section, names in SECTIONS.items():
        assert len(names) == len(set(names)), f"[{section}] lists a name twice"
    assert header_functions("/* CVLFIC_API int cvlfic_no(void); */\nCVLFIC_API const char *"
                            "cvlfic_a(void);\n#  define CVLFIC_API\nCVLFIC_API int\n  cvlfic_b(int x,\n"
                            "  int y);\n") == ["cvlfic_a", "cvlfic_b"]


@pytest.mark.parametrize("module_name", PYTHON_MODULES)
def test_listed_python_names_are_still_public(module_name):
    module = importlib.import_module(module_name)
    published = set(getattr(module, "__all__", ()))
    gone = [name for name in SECTIONS[module_name] if name not in published]
    assert not gone, f"{module_name}.__all__ lost {gone} (tests/public_names.txt)"
    unresolved = []
    for name in SECTIONS[module_name]:
        try:
            getattr(module, name)
        except AttributeError:
            unresolved.append(name)
        except ImportError:  # the name needs an optional extra that is not installed
            continue
    assert not unresolved, f"{module_name} lists {unresolved} in __all__ but has no such names"
    new = sorted(published - set(SECTIONS[module_name]))
    if new:
        warnings.warn(f"{module_name}: public names not in tests/public_names.txt yet: {new}")


def test_listed_c_functions_are_still_declared():
    declared = header_functions(HEADER.read_text())
    gone = [name for name in SECTIONS[C_SECTION] if name not in declared]
    assert not gone, f"{HEADER.relative_to(ROOT)} no longer declares {gone}"
    new = [name for name in declared if name not in SECTIONS[C_SECTION]]
    if new:
        warnings.warn(f"C functions not in tests/public_names.txt yet: {new}")


def test_listed_c_functions_are_exported_by_the_installed_library():
    from cvlfic import native

    installed = header_functions(native.get_header().read_text())
    gone = [name for name in SECTIONS[C_SECTION] if name not in installed]
    assert not gone, f"the installed header {native.get_header()} does not declare {gone}"
    library = ctypes.CDLL(str(native.get_library_path()))
    missing = [name for name in SECTIONS[C_SECTION] if not hasattr(library, name)]  # dlsym
    assert not missing, f"{native.get_library_path()} does not export {missing}"
