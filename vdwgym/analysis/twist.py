"""Twist and order of a bilayer snapshot: the analyzer used on the fly by the MD worker and
by ``vdwgym analyze``.

Definitions
-----------
* Layer orientation (method ``"sf"``, the primary one): rotation angle of the polar
  decomposition of the layer's lattice map, from its Mo structure factor on the box's
  reciprocal lattice (:mod:`vdwgym.analysis.structure_factor`).
* Twist: ``fold(orientation_top - orientation_bottom)`` in ``[0, 30]`` degrees.  For a
  strained or sheared box this is the angle between the two layers' lattice rotations with
  the stretch removed; in 2-D the polar rotation of ``F R(theta)`` is that of ``F`` plus
  ``theta``, so a homogeneous deformation of the whole box leaves the twist unchanged.
* ``twist_deg`` is None unless both layers are crystalline: the "twist" of an amorphous
  layer is noise.  A layer is crystalline when it passes the structure-factor gate
  (``peak_sn >= max(0.2, 8 / N_Mo)``) **and** its global bond-orientational order
  ``|<psi6>|`` (the modulus of the layer's mean psi6) is at least :data:`PSI6_GLOBAL_MIN`.
  The second test is what holds for small layers: a 64-Mo amorphous ReaxFF layer reaches
  ``peak_sn`` 0.22-0.31 (the maximum of noise over the searched peaks grows like ``1/N``),
  above the structure-factor gate, and at 300 K half of its atoms are locally hexagonal
  (``|psi6| > 0.7``), but their orientations do not agree, so ``|<psi6>|`` stays low; a
  single grain, twisted or not, has them aligned (docs/analysis.md has the calibration).
* Other methods: ``"psi6"`` (``arg(sum psi6) / 6`` per layer), ``"histogram"`` (mode of
  the per-atom psi6 orientation histogram), ``"chain"`` (the paper's Algorithm 1).  The
  structure factor and psi6 figures are always computed, as cross-checks.
* Order: the paper's pair count (:mod:`vdwgym.analysis.order`) over all atoms, and per
  layer the mean ``|psi6|`` of its Mo atoms.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vdwgym.analysis.bond_order import (
    PSI6_CRYSTALLINE,
    orientation_histogram,
    psi6,
    psi6_orientation,
)
from vdwgym.analysis.chain import chain_walk
from vdwgym.analysis.layers import split_layers
from vdwgym.analysis.neighbors import PairSet
from vdwgym.analysis.order import PairOrder, pair_order
from vdwgym.analysis.stacking import BOND_CUTOFF, STACKING_MAX_TWIST, stacking
from vdwgym.analysis.structure_factor import sf_orientation
from vdwgym.errors import ValidationError
from vdwgym.geometry import Cell, fold_twist, wrap_inplane

__all__ = ["METHODS", "PSI6_GLOBAL_MIN", "FrameAnalysis", "LayerResult", "TwistAnalyzer", "analyze_frame",
           "resolve_elements"]

log = logging.getLogger(__name__)

METHODS = ("sf", "psi6", "chain", "histogram")
#: Least global bond-orientational order ``|<psi6>|`` of a layer's Mo atoms for the layer to
#: count as crystalline (with the structure-factor gate).
PSI6_GLOBAL_MIN = 0.45
DEFAULT_TYPE_NAMES = {1: "Mo", 2: "S"}


def _f(x: float | None, nd: int = 6) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


@dataclass
class LayerResult:
    """Figures of one layer.  Angles in degrees (orientations in ``[0, 60)``), lengths in
    Angstrom.

    Attributes
    ----------
    index: 0 bottom, 1 top.  z_plane: Mo plane z.  n_atoms, n_mo: atoms assigned.
    orientation_deg: by the analyzer's method.
    sf_orientation_deg, psi6_orientation_deg, histogram_mode_deg: per method.
    peak_sn: structure-factor crystallinity (0..1).  crystalline: the gate.
    mean_abs_psi6: local bond-orientational order.  fraction_ordered: atoms with
    ``|psi6| > 0.7``.  psi6_global: ``|<psi6>|``, the layer's global orientational order.
    polycrystal: histogram flag.  lattice_matrix: integer ``M`` (box = M layer, in-plane) or
    None.  n_sites: ``|det M|``.  commensurate: peaks on the box reciprocal lattice.
    lattice_constant: from the peaks.  chain_ghosts: ghost atoms of the chain walk.
    """

    index: int
    z_plane: float
    n_atoms: int
    n_mo: int
    orientation_deg: float | None
    sf_orientation_deg: float | None
    psi6_orientation_deg: float | None
    histogram_mode_deg: float | None
    peak_sn: float
    crystalline: bool
    mean_abs_psi6: float
    fraction_ordered: float
    psi6_global: float
    polycrystal: bool
    lattice_matrix: list[list[int]] | None
    n_sites: int | None
    commensurate: bool
    lattice_constant: float | None
    chain_ghosts: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "z_plane": _f(self.z_plane, 4), "n_atoms": self.n_atoms,
            "n_mo": self.n_mo, "orientation_deg": _f(self.orientation_deg),
            "sf_orientation_deg": _f(self.sf_orientation_deg),
            "psi6_orientation_deg": _f(self.psi6_orientation_deg),
            "histogram_mode_deg": _f(self.histogram_mode_deg),
            "peak_sn": _f(self.peak_sn), "crystalline": self.crystalline,
            "mean_abs_psi6": _f(self.mean_abs_psi6), "fraction_ordered": _f(self.fraction_ordered),
            "psi6_global": _f(self.psi6_global),
            "polycrystal": self.polycrystal, "lattice_matrix": self.lattice_matrix,
            "n_sites": self.n_sites, "commensurate": self.commensurate,
            "lattice_constant": _f(self.lattice_constant), "chain_ghosts": self.chain_ghosts,
        }


@dataclass
class FrameAnalysis:
    """Analysis of one snapshot.

    Attributes
    ----------
    twist_deg:
        Folded twist (degrees, ``[0, 30]``) by ``method``; None unless both layers are
        crystalline.
    method:
        ``"sf"``, ``"psi6"``, ``"chain"`` or ``"histogram"``.
    crystalline:
        Both layers found and crystalline.
    layers:
        :class:`LayerResult` per layer found (bottom first).
    order:
        The paper's pair order parameter.
    n_atoms, n_unassigned:
        Atoms in the frame, atoms in no layer.
    cross_check:
        Twist by the other always-computed methods (``"sf"``, ``"psi6"``), None where not
        crystalline.
    elapsed_s:
        Wall time of the analysis.
    stacking:
        ``"2H"`` (antiparallel layers) or ``"3R"`` (parallel) for a crystalline bilayer
        twisted by at most 2 degrees (:mod:`vdwgym.analysis.stacking`), else None;
        ``trigonal_offset_deg`` the offset it is read from (0 parallel, 60 antiparallel).
    """

    twist_deg: float | None
    method: str
    crystalline: bool
    layers: list[LayerResult]
    order: PairOrder
    n_atoms: int
    n_unassigned: int
    cross_check: dict[str, float | None] = field(default_factory=dict)
    elapsed_s: float = 0.0
    stacking: str | None = None
    trigonal_offset_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary."""
        return {
            "twist_deg": _f(self.twist_deg), "method": self.method,
            "crystalline": self.crystalline, "layers": [ly.to_dict() for ly in self.layers],
            "order": self.order.to_dict(), "n_atoms": self.n_atoms,
            "n_unassigned": self.n_unassigned,
            "cross_check": {k: _f(v) for k, v in self.cross_check.items()},
            "elapsed_s": _f(self.elapsed_s, 6),
            "stacking": self.stacking, "trigonal_offset_deg": _f(self.trigonal_offset_deg),
        }


def resolve_elements(types: np.ndarray | None, type_names: dict[int, str] | None = None,
                     elements: np.ndarray | None = None) -> np.ndarray:
    """``(N,)`` element symbols: ``elements`` when given (an element column wins), else
    ``type_names[type]`` (default 1 = Mo, 2 = S); unknown types become ``"X<type>"``."""
    if elements is not None:
        return np.asarray(elements).astype(str)
    if types is None:
        raise ValidationError("types", "atom types or elements", None)
    names = DEFAULT_TYPE_NAMES if type_names is None else type_names
    t = np.asarray(types, dtype=np.int64)
    uniq, inverse = np.unique(t, return_inverse=True)
    lut = {int(k): v for k, v in names.items()}
    return np.array([lut.get(int(u), f"X{int(u)}") for u in uniq])[inverse.reshape(-1)]


class TwistAnalyzer:
    """Analyzer in the freud style: configure once, ``compute()`` per frame, read properties.

    Parameters
    ----------
    method:
        One of :data:`METHODS` (``"sf"`` default).
    a:
        Expected Mo lattice constant, Angstrom.
    type_names:
        Type -> element (default ``{1: "Mo", 2: "S"}``).
    metal:
        Element that defines layers and orientations.
    psi6_cutoff:
        Mo-Mo neighbour cutoff for psi6, Angstrom.
    order_window, order_cutoff:
        The paper's pair window and cutoff, Angstrom.
    rng:
        Generator for the chain method's random start atoms (default
        ``numpy.random.default_rng(0)``, created per analyzer).
    """

    def __init__(self, method: str = "sf", a: float = 3.16,
                 type_names: dict[int, str] | None = None, metal: str = "Mo",
                 psi6_cutoff: float = 4.3, order_window: tuple[float, float] = (2.4, 2.6),
                 order_cutoff: float = 3.0, rng: np.random.Generator | None = None,
                 chain_iterations: int = 30) -> None:
        if method not in METHODS:
            raise ValidationError("method", f"one of {METHODS}", method)
        if not (np.isfinite(a) and a > 0):
            raise ValidationError("a", "> 0 (Angstrom)", a)
        self.method = method
        self.a = float(a)
        self.type_names = dict(DEFAULT_TYPE_NAMES if type_names is None else type_names)
        self.metal = metal
        self.psi6_cutoff = psi6_cutoff
        self.order_window = order_window
        self.order_cutoff = order_cutoff
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.chain_iterations = chain_iterations
        self._result: FrameAnalysis | None = None
        self._walks: list = []

    def compute(self, positions: np.ndarray, types: np.ndarray | None, cell: np.ndarray,
                elements: np.ndarray | None = None) -> TwistAnalyzer:
        """Analyse one frame: ``positions`` ``(N, 3)`` Angstrom, ``types`` ``(N,)`` int,
        ``cell`` LAMMPS rows ``3 x 3``; ``elements`` ``(N,)`` overrides ``types``."""
        t0 = time.perf_counter()
        pos = np.asarray(positions, dtype=np.float64)
        if pos.ndim != 2 or pos.shape[1] != 3:
            raise ValidationError("positions", "an (N, 3) array", pos.shape)
        cell = Cell(cell).matrix
        # wrap in plane (unwrapped dump coordinates, atoms outside the box)
        pos = wrap_inplane(pos, cell)
        el = resolve_elements(types, self.type_names, elements)
        if len(el) != len(pos):
            raise ValidationError("types", f"length {len(pos)}", len(el))
        is_metal = el == self.metal
        split = split_layers(pos[:, 2], is_metal)
        # two neighbour searches per frame: the in-plane Mo pairs (psi6 of both layers) and
        # the 3-D pairs of all atoms (the stacking bonds and the pair order parameter)
        metal = np.flatnonzero(is_metal)
        mo_pairs = (PairSet.search(pos[:, :2], cell, self.psi6_cutoff, metal)
                    if split.z_planes and len(metal) >= 2 else None)
        radius = max(float(self.order_window[1]), BOND_CUTOFF * (len(split.z_planes) == 2))
        pairs = PairSet.search(pos, cell, radius) if len(pos) >= 2 else None
        self._walks = []
        layers = []
        for k, zp in enumerate(split.z_planes):
            layers.append(self._layer(k, zp, pos, cell, split.labels == k, is_metal, mo_pairs))
        order = pair_order(pos, cell, self.order_window, self.order_cutoff, pairs)
        both = len(layers) == 2 and all(ly.crystalline for ly in layers)

        def tw(attr: str) -> float | None:
            if not both:
                return None
            o0, o1 = getattr(layers[0], attr), getattr(layers[1], attr)
            if o0 is None or o1 is None:
                return None
            return fold_twist(o1 - o0)

        if self.method == "chain" and both:
            from vdwgym.analysis.chain import chain_twist
            twist = chain_twist(self._walks[0], self._walks[1])
        else:
            twist = tw("orientation_deg")
        if len(layers) < 2:
            log.warning("found %d layer(s) of %s atoms; no twist", len(layers), self.metal)
        stack = None
        if twist is not None and twist <= STACKING_MAX_TWIST:
            stack = stacking(pos, is_metal, split.labels, cell, pairs)
        self._result = FrameAnalysis(
            twist, self.method, both, layers, order, len(pos), split.n_unassigned,
            {"sf": tw("sf_orientation_deg"), "psi6": tw("psi6_orientation_deg")},
            time.perf_counter() - t0, None if stack is None else stack.label,
            None if stack is None else stack.trigonal_offset_deg)
        return self

    def _layer(self, k: int, zp: float, pos: np.ndarray, cell: np.ndarray, in_layer: np.ndarray,
               is_metal: np.ndarray, mo_pairs: PairSet | None) -> LayerResult:
        mo = np.flatnonzero(in_layer & is_metal)
        xy = pos[mo, :2]
        neighbours = None
        if mo_pairs is not None:
            i, _, vec = mo_pairs.among(mo, self.psi6_cutoff)
            neighbours = (i, vec)
        p6 = psi6(xy, cell, self.psi6_cutoff, neighbours)
        sf = sf_orientation(xy, cell, a=self.a, refine_mask=np.abs(p6) > PSI6_CRYSTALLINE)
        hist = orientation_histogram(p6)
        p6_or = psi6_orientation(p6) if len(p6) else None
        ordered = float(np.mean(np.abs(p6) > PSI6_CRYSTALLINE)) if len(p6) else 0.0
        coherent = float(np.abs(p6.mean())) if len(p6) else 0.0
        ghosts = None
        if self.method == "chain":
            walk = chain_walk(xy, cell, self.rng, a=self.a, max_iterations=self.chain_iterations)
            self._walks.append(walk)
            ghosts = walk.n_ghosts
            orient = walk.orientation_deg
        else:
            orient = {"sf": sf.orientation_deg, "psi6": p6_or,
                      "histogram": hist.mode_deg}[self.method]
        return LayerResult(
            k, zp, int(in_layer.sum()), len(xy), orient, sf.orientation_deg, p6_or, hist.mode_deg,
            sf.peak_sn, sf.crystalline and coherent >= PSI6_GLOBAL_MIN,
            float(np.abs(p6).mean()) if len(p6) else 0.0, ordered, coherent, hist.polycrystal,
            None if sf.lattice_matrix is None else sf.lattice_matrix.tolist(), sf.n_sites,
            sf.commensurate, sf.lattice_constant, ghosts)

    @property
    def result(self) -> FrameAnalysis:
        """The last :class:`FrameAnalysis` (after :meth:`compute`)."""
        if self._result is None:
            raise RuntimeError("call compute() first")
        return self._result

    @property
    def twist_deg(self) -> float | None:
        return self.result.twist_deg

    @property
    def crystalline(self) -> bool:
        return self.result.crystalline

    @property
    def layers(self) -> list[LayerResult]:
        return self.result.layers

    @property
    def order(self) -> PairOrder:
        return self.result.order


def analyze_frame(positions: np.ndarray, types: np.ndarray | None, cell: np.ndarray,
                  method: str = "sf", type_names: dict[int, str] | None = None,
                  elements: np.ndarray | None = None, **kwargs: Any) -> FrameAnalysis:
    """Analyse one frame from arrays (what the MD worker calls on the fly).

    ``positions``: ``(N, 3)`` Angstrom; ``types``: ``(N,)`` int; ``cell``: ``3 x 3`` LAMMPS
    rows; further keyword arguments go to :class:`TwistAnalyzer`."""
    return TwistAnalyzer(method=method, type_names=type_names, **kwargs).compute(
        positions, types, cell, elements).result

