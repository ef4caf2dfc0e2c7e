"""Register ``vdwgym/Recrystallization-v0`` with Gymnasium without importing Gymnasium.

``import vdwgym`` must stay light (a worker process imports it and needs neither gymnasium nor
torch), yet ``import vdwgym; gymnasium.make("vdwgym/Recrystallization-v0")`` must work.
Gymnasium 1.x has no plugin entry-point group (the ``gymnasium.envs`` group of gym 0.2x was
removed in 1.0), so :func:`register_on_gymnasium_import` does it with a post-import hook:

* gymnasium already imported: :mod:`vdwgym.envs` is imported (and registers) at once;
* otherwise a :data:`sys.meta_path` finder waits for the first ``import gymnasium``, lets it
  finish, then imports :mod:`vdwgym.envs`, and removes itself.

Without ``import vdwgym`` at all, Gymnasium's own ``module:id`` form imports the package:
``gymnasium.make("vdwgym.envs:vdwgym/Recrystallization-v0")``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

__all__ = ["ENVS_MODULE", "register_on_gymnasium_import"]

ENVS_MODULE = "vdwgym.envs"
_GYMNASIUM = "gymnasium"


class _RegisteringLoader(importlib.abc.Loader):
    """Gymnasium's own loader, then ``import vdwgym.envs`` once gymnasium is executed."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        importlib.import_module(ENVS_MODULE)

    def __getattr__(self, name: str) -> Any:  # resource readers, get_source, ...
        return getattr(self._loader, name)


class _GymnasiumHook(importlib.abc.MetaPathFinder):
    """A one-shot finder: wraps gymnasium's loader on its first import, then leaves."""

    def find_spec(self, fullname: str, path: Any = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _GYMNASIUM:
            return None
        _remove_hook()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _RegisteringLoader(spec.loader)
                return spec
        return None


def _remove_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _GymnasiumHook)]


def register_on_gymnasium_import() -> None:
    """Make ``vdwgym/Recrystallization-v0`` known to Gymnasium whenever Gymnasium is loaded,
    without loading it now.  Idempotent."""
    if _GYMNASIUM in sys.modules:
        importlib.import_module(ENVS_MODULE)
        return
    if not any(isinstance(f, _GymnasiumHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _GymnasiumHook())
