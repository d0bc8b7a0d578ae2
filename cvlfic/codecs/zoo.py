"""The built-in codec families, loaded into the registry (``cvlfic.codecs.base``) on its
first lookup.

Each family module registers its families when imported. This package's own families are
imported here; the literature baselines live in ``cvlfic.baselines``, a package that depends
on this one (its codecs implement ``BenchCodec``), so they are named, like entry points, by
``"module:function"`` strings and imported late: ``cvlfic.codecs`` never imports
``cvlfic.baselines``.
"""
from __future__ import annotations

import importlib

# Families of other packages: "module" or "module:function" (called after the import), each
# skipped when its module, an extra it needs or its shipped model is missing.
FAMILY_PLUGINS = (
    "cvlfic.baselines:register_all",  # the baselines whose models are shipped
)


def load_plugin(spec: str) -> bool:
    """Import ``module`` of ``module:function`` and call ``function``; False when the module,
    one of its dependencies or a model file it loads is missing."""
    module_name, _, function = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        if function:
            getattr(module, function)()
    except (ImportError, FileNotFoundError):
        return False
    return True


def load_builtin_families() -> None:
    """Register every built-in family that can be loaded here (cheap after the first call)."""
    from cvlfic.codecs import classical  # noqa: F401 (registers jpeg, webp, ...)
    try:
        from cvlfic.codecs import lfic  # noqa: F401 (registers lfic, lfic-rfp, ablations)
    except ImportError:  # the learned codec's extras are not installed
        pass
    for spec in FAMILY_PLUGINS:
        load_plugin(spec)
