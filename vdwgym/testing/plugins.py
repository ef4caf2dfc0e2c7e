"""A real installed distribution for plugin tests: :func:`install_plugin` writes a package and
its ``NAME-VERSION.dist-info`` (METADATA, entry_points.txt) into a folder, which, once on
``sys.path`` (or ``PYTHONPATH`` of a subprocess), :mod:`importlib.metadata` finds like any
pip-installed distribution."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["install_plugin"]


def install_plugin(folder: str | Path, name: str, version: str,
                   entry_points: Mapping[str, Mapping[str, str]],
                   modules: Mapping[str, str]) -> Path:
    """Write the distribution ``name`` ``version`` into ``folder``; returns ``folder``.

    ``entry_points``: group -> {entry-point name: ``"module:attribute"``};
    ``modules``: file name relative to ``folder`` (``"myplugin.py"``) -> source text.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for filename, source in modules.items():
        path = folder / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = []
    for group, points in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{ep} = {target}" for ep, target in points.items()]
        lines.append("")
    (info / "entry_points.txt").write_text("\n".join(lines))
    return folder
