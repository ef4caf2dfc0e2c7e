"""The commensurate surrogate: twist selection by a layer that must be periodic in the
strained, sheared box.

Model (see docs/surrogate.md and docs/physics.md):

1. The box is ``nx x ny`` hexagonal cells of the natural lattice constant at
   ``box_temperature_K``; a recipe deforms it with :func:`vdwgym.geometry.deform_cell`
   (``lattice_strain``, then ``shear_strain`` in the configured convention).  The bottom
   layer deforms with the box.
2. The recrystallized top layer must be periodic in the deformed box: its lattice is one
   of the candidates ``T = H^-T B`` (:mod:`vdwgym.surrogate.lattice`), ``N`` sites each.
3. Each candidate costs ``E = W(T) * A_ref + site_cost * |N - nx ny|`` (eV): ``W`` the 2D
   isotropic St Venant-Kirchhoff energy density of its Green-Lagrange strain relative to the
   natural triangular lattice of constant ``a0(T) = a0 (1 + alpha T)``, ``A_ref`` its
   unstrained area, and a cost per missing or extra Mo site (the top layer holds
   ``nx ny`` Mo).
4. A seeded Boltzmann draw at the selection temperature ``T_sel = scale * T`` picks one
   candidate (inverse CDF with one uniform number).
5. The twist is the chosen lattice's orientation relative to the deformed bottom layer,
   folded to [0, 30] deg, plus a small measurement noise; order, crystallinity and a
   simulated run time follow (rules in :class:`SurrogateConfig`).

Every random number of evaluation ``i`` comes from counter-based streams of ``seeds[i]``
(:mod:`vdwgym.surrogate.streams`) and every array operation is row-wise, so evaluation
``i`` is a function of ``(X[i], seeds[i])`` alone, whatever the batch.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry import SHEAR_CONVENTIONS, deform_cell, fold_twist, gauss_reduce
from vdwgym.geometry.hexagonal import TRIANGULAR_UNIT, hexagonal_box
from vdwgym.surrogate import streams
from vdwgym.surrogate.lattice import hermite_forms, orientation_deg

__all__ = ["SurrogateConfig", "CommensurateSurrogate", "SurrogateResult"]

log = logging.getLogger(__name__)

#: Boltzmann constant, eV / K.
K_B_EV = 8.617333262e-5
#: 1 N/m times 1 Angstrom^2 in eV.
N_PER_M_A2_IN_EV = 1e-20 / 1.602176634e-19

# Stream indices of the per-evaluation random numbers (normal() uses two each).
_S_SELECT, _S_GATE, _S_TWIST, _S_ORDER, _S_RUNTIME = 1, 2, 3, 5, 7


@dataclass(frozen=True)
class SurrogateConfig:
    """Every constant of the commensurate surrogate, with its unit and origin.

    Geometry
        ``nx``, ``ny``: box size in hexagonal cells (the paper's 864-atom bilayer is 12 x 12,
        144 Mo per layer).  ``a0_A``: natural in-plane lattice constant at 0 K, Angstrom;
        3.16 is experimental MoS2 (rebomos relaxes to 3.172; only the ratio box/layer
        matters, and both are built from ``a0``).  ``box_temperature_K``: the box is built
        at ``a0(300 K)``, the paper's NPT equilibration before the recipe is applied.
        ``box_a_A``: the box's lattice constant before the recipe, Angstrom, when measured
        (None: ``a0(box_temperature_K)``); with the paper's ReaxFF the 300 K / 1 atm box
        with an amorphous top layer has a = 3.240 A while the relaxed layer has 3.207 A.
        ``thermal_expansion_per_K``: linear in-plane coefficient alpha of
        ``a0(T) = a0 (1 + alpha T)``; 5e-6 /K is the order of MoS2's measured a-axis value
        (recalled, unchecked); applied at the recipe's temperature, where the layer
        orders.  Calibration needed against MD.
    Elasticity
        ``c11_N_per_m``, ``c12_N_per_m``: 2D elastic constants of a MoS2 monolayer,
        N/m (130 and 32, recalled literature values).  ``site_cost_eV``: cost of each
        missing or extra Mo site, ``|N - nx ny|``, eV; an effective number (a real Mo
        vacancy costs several eV, which would forbid every twist): calibration needed.
    Candidates
        ``n_sites_min``/``n_sites_max``: range of site counts ``N`` enumerated.
        ``max_shape_strain``: candidates whose deviatoric Green-Lagrange strain in the
        undeformed box exceeds this are dropped once (a recipe's shear changes the shape by
        about ``shear / 2``; a 6 % deviatoric strain already costs about 30 eV).
    Selection
        ``selection_temperature_scale``: ``T_sel = scale * T`` of the Boltzmann draw; an
        effective, non-equilibrium temperature (nucleation during a fast quench), chosen so
        that the lowest-energy state dominates at 1300 K while states 2 eV higher are drawn
        a few % of the time at 3200 K.  Calibration needed against MD.
        ``shear_convention``: ``"engineering"`` or ``"tilt"`` (:mod:`vdwgym.geometry.strain`).
    Outcome noise
        ``twist_noise_deg``: Gaussian measurement noise on the twist, deg (structure-factor
        analysis is within 0.02 deg, psi6 within 0.25 deg).
        ``order_max``: order of a strain-free, defect-free crystal (peak S/N 0.8-0.99);
        ``order_energy_scale_eV``: order decays as ``exp(-u / scale)`` with the elastic
        energy per site ``u``; ``order_defect_slope``: order lost per unit defect fraction
        ``|N - nx ny| / (nx ny)``; ``order_noise``: Gaussian sd; ``amorphous_order``:
        order of a layer that stayed amorphous (|psi6| 0.36-0.45 seen in MD).
    Crystallinity rule
        A layer stays amorphous (twist undefined) when its chosen lattice's rms strain
        exceeds ``max_crystal_strain``, or, kinetically, with probability
        ``1 / (1 + exp((T - kinetic_limit_K) / kinetic_width_K))`` (too cold to reorder in
        the anneal): about 5 % at 1300 K, under 0.1 % above 1700 K.  Guesses.
        ``substrate_melt_K``, ``substrate_melt_width_K``: the anneal also melts the bottom
        crystal that templates the top layer, with probability
        ``1 / (1 + exp(-(T - substrate_melt_K) / substrate_melt_width_K))``; ``None``
        (default): never.  With the paper's ReaxFF on an 8 x 8 box, 10 of 11 anneals above
        2600 K ended without a crystalline bilayer (docs/md.md).
        ``amorphous_probability_floor``: the share of layers that stay amorphous at any
        recipe (a short quench on a small box; ReaxFF 8 x 8: 8 of 37 below 2600 K); 0
        (default): none.  The three causes are independent
        (:meth:`CommensurateSurrogate.amorphous_probability`).
    Run time
        ``runtime_median_s``, ``runtime_sigma``: simulated wall time of one evaluation,
        lognormal (median seconds, sigma of log); a placeholder for a campaign's virtual
        clock: calibration needed against the LAMMPS backend.
    ``chunk_elements``: work-array size (rows x candidates) per vectorized chunk.
    """

    nx: int = 12
    ny: int = 12
    a0_A: float = 3.16
    box_temperature_K: float = 300.0
    box_a_A: float | None = None
    thermal_expansion_per_K: float = 5e-6
    c11_N_per_m: float = 130.0
    c12_N_per_m: float = 32.0
    site_cost_eV: float = 0.1
    n_sites_min: int = 126
    n_sites_max: int = 170
    max_shape_strain: float = 0.08
    selection_temperature_scale: float = 2.5
    shear_convention: str = "engineering"
    twist_noise_deg: float = 0.05
    order_max: float = 0.97
    order_energy_scale_eV: float = 0.3
    order_defect_slope: float = 1.0
    order_noise: float = 0.02
    amorphous_order: float = 0.40
    max_crystal_strain: float = 0.05
    kinetic_limit_K: float = 1000.0
    kinetic_width_K: float = 100.0
    substrate_melt_K: float | None = None
    substrate_melt_width_K: float = 100.0
    amorphous_probability_floor: float = 0.0
    runtime_median_s: float = 1800.0
    runtime_sigma: float = 0.3
    chunk_elements: int = 1 << 20

    def __post_init__(self) -> None:
        if self.shear_convention not in SHEAR_CONVENTIONS:
            raise ValidationError("shear_convention", f"one of {SHEAR_CONVENTIONS}",
                                  self.shear_convention)
        for name in ("nx", "ny", "n_sites_min", "n_sites_max", "chunk_elements"):
            if int(getattr(self, name)) < 1:
                raise ValidationError(name, "a positive integer", getattr(self, name))
        if not self.n_sites_min <= self.nx * self.ny <= self.n_sites_max:
            raise ValidationError("n_sites_min/n_sites_max", f"a range containing {self.nx * self.ny}",
                                  (self.n_sites_min, self.n_sites_max))
        if self.box_a_A is not None and not (np.isfinite(self.box_a_A) and self.box_a_A > 0):
            raise ValidationError("box_a_A", "None or a length > 0 (Angstrom)", self.box_a_A)
        if self.substrate_melt_K is not None and not (
                np.isfinite(self.substrate_melt_K) and self.substrate_melt_K > 0):
            raise ValidationError("substrate_melt_K", "None or a temperature > 0 (K)",
                                  self.substrate_melt_K)
        if not 0.0 <= float(self.amorphous_probability_floor) < 1.0:
            raise ValidationError("amorphous_probability_floor", "a probability in [0, 1)",
                                  self.amorphous_probability_floor)
        positive = ("a0_A", "c11_N_per_m", "selection_temperature_scale", "max_shape_strain",
                    "order_energy_scale_eV", "max_crystal_strain", "kinetic_width_K",
                    "substrate_melt_width_K", "runtime_median_s")
        for name in positive:
            v = float(getattr(self, name))
            if not (np.isfinite(v) and v > 0):
                raise ValidationError(name, "a finite number > 0", getattr(self, name))
        if not 0 <= self.c12_N_per_m < self.c11_N_per_m:
            raise ValidationError("c12_N_per_m", f"in [0, c11 = {self.c11_N_per_m})", self.c12_N_per_m)
        non_negative = ("site_cost_eV", "twist_noise_deg", "order_noise", "runtime_sigma",
                        "thermal_expansion_per_K", "order_defect_slope")
        for name in non_negative:
            v = float(getattr(self, name))
            if not (np.isfinite(v) and v >= 0):
                raise ValidationError(name, "a finite number >= 0", getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        """The constants as a JSON-able dict (``SurrogateConfig(**d)`` rebuilds it)."""
        return asdict(self)

    @property
    def n_top(self) -> int:
        """Mo atoms in the top layer (``nx ny``)."""
        return self.nx * self.ny

    def lattice_constant(self, temperature_K: np.ndarray | float) -> np.ndarray:
        """Natural lattice constant ``a0(T) = a0 (1 + alpha T)``, Angstrom."""
        return self.a0_A * (1.0 + self.thermal_expansion_per_K * np.asarray(temperature_K, dtype=np.float64))


@dataclass
class SurrogateResult:
    """A batch of ``n`` evaluations (arrays of length ``n`` unless said).

    twist_deg: folded twist in [0, 30] deg, NaN where not ``crystalline``.
    lattice_twist_deg: the chosen lattice's folded twist without measurement noise.
    order: order parameter in [0, 1].  crystalline: bool.
    n_sites: Mo sites ``N`` of the chosen lattice (int).
    matrix: ``n x 2 x 2`` int, ``box_rows = matrix @ lattice_rows`` (|det| = N).
    strain: rms Green-Lagrange strain of the chosen lattice, ``sqrt(tr(E^2) / 2)``
        (equals ``e`` for an isotropic strain ``e``).
    energy: the chosen candidate's energy, eV (elastic + sites).
    elastic_energy: its elastic part, eV.
    excess_energy: energy above the lowest candidate of the same recipe, eV.
    lattice_constant_A: ``a0(T)`` used, Angstrom.
    runtime_s: simulated wall time, s.
    seeds: the evaluations' seeds (uint64).
    shear_convention: the convention used for every row.
    """

    twist_deg: np.ndarray
    lattice_twist_deg: np.ndarray
    order: np.ndarray
    crystalline: np.ndarray
    n_sites: np.ndarray
    matrix: np.ndarray
    strain: np.ndarray
    energy: np.ndarray
    elastic_energy: np.ndarray
    excess_energy: np.ndarray
    lattice_constant_A: np.ndarray
    runtime_s: np.ndarray
    seeds: np.ndarray
    shear_convention: str = field(default="engineering")

    def __len__(self) -> int:
        return len(self.twist_deg)

    def row(self, i: int) -> dict[str, Any]:
        """JSON-able details of evaluation ``i`` (``twist_deg`` is None when amorphous)."""
        crystalline = bool(self.crystalline[i])
        return {
            "twist_deg": float(self.twist_deg[i]) if crystalline else None,
            "lattice_twist_deg": float(self.lattice_twist_deg[i]),
            "order": float(self.order[i]),
            "crystalline": crystalline,
            "n_sites": int(self.n_sites[i]),
            "matrix": self.matrix[i].astype(int).tolist(),
            "strain": float(self.strain[i]),
            "energy_eV": float(self.energy[i]),
            "elastic_energy_eV": float(self.elastic_energy[i]),
            "excess_energy_eV": float(self.excess_energy[i]),
            "lattice_constant_A": float(self.lattice_constant_A[i]),
            "runtime_s": float(self.runtime_s[i]),
            "seed": int(self.seeds[i]),
            "shear_convention": self.shear_convention,
        }


@dataclass(frozen=True)
class _Candidates:
    """The recipe-independent candidate set (``k`` lattices).

    to_lattice: ``k x 2 x 2``, lattice rows = ``to_lattice @ box_rows`` (a Gauss-reduced
        basis in the undeformed box).
    matrix: ``k x 2 x 2`` int, its inverse: ``box_rows = matrix @ lattice_rows``.
    metric: ``3 x 3 x k``; for ``P = (P11, P12, P22)`` of ``B B^T`` the lattice's right
        Cauchy-Green tensor times ``a0^2`` is ``C_j = sum_m metric[j, m] * P_m`` for
        ``j = (11, 12, 22)``.
    n_sites: length ``k``.
    """

    to_lattice: np.ndarray
    matrix: np.ndarray
    metric: np.ndarray
    n_sites: np.ndarray


@functools.lru_cache(maxsize=16)
def _enumerate(nx: int, ny: int, n_sites_min: int, n_sites_max: int,
               max_shape_strain: float) -> _Candidates:
    """Every index-N sublattice for N in ``[n_sites_min, n_sites_max]``, Gauss-reduced in
    the undeformed ``nx x ny`` box (scale-free: built for ``a = 1``), minus those whose
    shape strain there exceeds ``max_shape_strain``.  Cached (read-only arrays): every
    surrogate with the same geometry shares one candidate set."""
    box = hexagonal_box(nx, ny, 1.0)
    H, n_sites = hermite_forms(n_sites_min, n_sites_max)
    H_inv_T = np.linalg.inv(H.astype(np.float64)).transpose(0, 2, 1)
    raw = H_inv_T @ box
    reduced = gauss_reduce(raw)
    unimodular = np.rint(reduced @ np.linalg.inv(raw))
    to_lattice = unimodular @ H_inv_T
    # Right Cauchy-Green tensor relative to the unit triangular lattice:
    # lattice rows T = to_lattice @ B, reference rows a0 R0, T = (a0 R0) F^T, hence
    # a0^2 C = a0^2 F^T F = G (B B^T) G^T with G = R0^-1 to_lattice.
    G = np.linalg.inv(TRIANGULAR_UNIT) @ to_lattice
    C = G @ (box @ box.T) @ G.transpose(0, 2, 1)
    C /= np.sqrt(np.linalg.det(C))[:, None, None]  # shape only: remove the area change
    E = (C - np.eye(2)) / 2.0
    shape = np.sqrt(np.einsum("kij,kij->k", E, E) / 2.0)
    keep = shape <= max_shape_strain
    to_lattice, G = to_lattice[keep], G[keep]
    matrix = np.rint(np.linalg.inv(to_lattice)).astype(np.int64)
    g11, g12 = G[:, 0, 0], G[:, 0, 1]
    g21, g22 = G[:, 1, 0], G[:, 1, 1]
    metric = np.array([
        [g11 * g11, 2.0 * g11 * g12, g12 * g12],
        [g11 * g21, g11 * g22 + g12 * g21, g12 * g22],
        [g21 * g21, 2.0 * g21 * g22, g22 * g22],
    ])
    log.debug("commensurate surrogate: %d of %d candidates kept (N %d-%d, shape strain <= %g)",
              int(keep.sum()), len(keep), n_sites_min, n_sites_max, max_shape_strain)
    arrays = {"to_lattice": to_lattice, "matrix": matrix, "metric": metric,
              "n_sites": n_sites[keep]}
    for a in arrays.values():
        a.setflags(write=False)
    return _Candidates(**arrays)


class CommensurateSurrogate:
    """Physics-based twist selection (module docstring); vectorized over batches.

    Parameters
    ----------
    config:
        The model's constants (:class:`SurrogateConfig`).
    """

    def __init__(self, config: SurrogateConfig | None = None) -> None:
        self.config = config if config is not None else SurrogateConfig()
        cfg = self.config
        box_a = cfg.box_a_A if cfg.box_a_A is not None else cfg.lattice_constant(cfg.box_temperature_K)
        self.box = hexagonal_box(cfg.nx, cfg.ny, float(box_a))
        self._cand = _enumerate(cfg.nx, cfg.ny, cfg.n_sites_min, cfg.n_sites_max,
                                float(cfg.max_shape_strain))
        lam = cfg.c12_N_per_m
        mu = (cfg.c11_N_per_m - cfg.c12_N_per_m) / 2.0
        self._lam8 = lam / 8.0
        self._mu4 = mu / 4.0
        # Elastic energy = W (N/m) * a0^2 * (N sqrt(3)/2) (A^2) in eV: per-candidate factor.
        self._area_ev = self._cand.n_sites * (np.sqrt(3.0) / 2.0 * N_PER_M_A2_IN_EV)
        self._site_ev = cfg.site_cost_eV * np.abs(self._cand.n_sites - cfg.n_top).astype(np.float64)

    @property
    def n_candidates(self) -> int:
        """Number of candidate lattices ranked for every recipe."""
        return len(self._cand.n_sites)

    # ------------------------------------------------------------------ public
    def evaluate(self, X: np.ndarray, seeds: np.ndarray) -> SurrogateResult:
        """Evaluate ``n`` recipes.

        Parameters
        ----------
        X:
            ``n x 3`` physical recipes (temperature_K, lattice_strain, shear_strain),
            validated by the caller.
        seeds:
            Length-``n`` integers in ``[0, 2**64)``, one per evaluation.
        """
        X = self._as_recipes(X)
        seeds = streams.as_seeds(seeds, len(X))
        cfg = self.config
        T = X[:, 0]
        u = streams.uniform(seeds, _S_SELECT)
        chosen = self._rank(X, u)
        twist_lattice = chosen["lattice_twist_deg"]
        noisy = fold_twist(twist_lattice + cfg.twist_noise_deg * streams.normal(seeds, _S_TWIST))
        crystalline = (streams.uniform(seeds, _S_GATE) >= self.amorphous_probability(T)) & (
            chosen["strain"] <= cfg.max_crystal_strain)
        n_sites = chosen["n_sites"]
        per_site = chosen["elastic_energy"] / n_sites
        defects = np.abs(n_sites - cfg.n_top) / cfg.n_top
        order_crystal = (cfg.order_max * np.exp(-per_site / cfg.order_energy_scale_eV)
                         - cfg.order_defect_slope * defects)
        order = np.where(crystalline, order_crystal, cfg.amorphous_order)
        order = np.clip(order + cfg.order_noise * streams.normal(seeds, _S_ORDER), 0.0, 1.0)
        runtime = cfg.runtime_median_s * np.exp(cfg.runtime_sigma * streams.normal(seeds, _S_RUNTIME))
        return SurrogateResult(
            twist_deg=np.where(crystalline, noisy, np.nan),
            lattice_twist_deg=twist_lattice,
            order=order,
            crystalline=crystalline,
            n_sites=n_sites,
            matrix=chosen["matrix"],
            strain=chosen["strain"],
            energy=chosen["energy"],
            elastic_energy=chosen["elastic_energy"],
            excess_energy=chosen["excess_energy"],
            lattice_constant_A=chosen["lattice_constant_A"],
            runtime_s=runtime,
            seeds=seeds,
            shear_convention=cfg.shear_convention,
        )

    def amorphous_probability(self, temperature_K: np.ndarray | float) -> np.ndarray:
        """Probability that the top layer ends amorphous at anneal temperature ``T`` (K),
        whatever state it would select: too cold to reorder (``kinetic_limit_K``), the
        substrate melted (``substrate_melt_K``), or not ordered in the quench
        (``amorphous_probability_floor``), as independent causes; the shape of ``T``.
        The defaults give the kinetic law alone, bit for bit."""
        cfg = self.config
        T = np.asarray(temperature_K, dtype=np.float64)
        p = 1.0 / (1.0 + np.exp((T - cfg.kinetic_limit_K) / cfg.kinetic_width_K))
        if cfg.substrate_melt_K is not None:
            melt = 1.0 / (1.0 + np.exp(-(T - cfg.substrate_melt_K) / cfg.substrate_melt_width_K))
            p = 1.0 - (1.0 - p) * (1.0 - melt)
        if cfg.amorphous_probability_floor > 0:
            p = 1.0 - (1.0 - p) * (1.0 - cfg.amorphous_probability_floor)
        return p

    def ground_state(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """The lowest-energy candidate for each of ``n`` recipes (no randomness).

        Returns length-``n`` arrays: ``lattice_twist_deg``, ``n_sites``, ``strain``,
        ``energy``, ``elastic_energy``, ``excess_energy`` (0), ``lattice_constant_A``, and
        ``matrix`` (``n x 2 x 2``).
        """
        return self._rank(self._as_recipes(X), None)

    def selection_probabilities(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """The Boltzmann selection law of ``n`` recipes over all ``k`` candidates.

        Returns ``probability`` (``n x k``, rows sum to 1), ``lattice_twist_deg``
        (``n x k``, each candidate's folded twist), ``strain`` (``n x k``, each candidate's
        rms strain: above ``max_crystal_strain`` :meth:`evaluate` calls the layer amorphous)
        and ``n_sites`` (``k``).  For analysis and plots; :meth:`evaluate` draws from exactly
        this law.
        """
        X = self._as_recipes(X)
        boxes = self.deformed_boxes(X)
        a0 = self.config.lattice_constant(X[:, 0])
        strain = self._strain_components(_box_metric(boxes), a0)
        E = self._energies(strain, a0)
        kT = K_B_EV * self.config.selection_temperature_scale * X[:, 0]
        w = _boltzmann_weights(E, kT)
        k = self.n_candidates
        lattices = (self._cand.to_lattice[None] @ boxes[:, None]).reshape(-1, 2, 2)
        top = orientation_deg(lattices).reshape(-1, k)
        twist = fold_twist(top - self._bottom_orientation(boxes)[:, None])
        return {"probability": w / w.sum(axis=1, keepdims=True), "lattice_twist_deg": twist,
                "strain": self._rms_strain(*strain),
                "n_sites": self._cand.n_sites.copy()}

    def landscape(self, temperature_K: np.ndarray, lattice_strain: np.ndarray,
                  shear_strain: float | np.ndarray) -> dict[str, np.ndarray]:
        """Ground-state twist on a grid, for plots: the three inputs are broadcast together
        (e.g. ``T[:, None]`` and ``eps[None, :]``); returns ``lattice_twist_deg``,
        ``n_sites`` and ``energy`` arrays of the broadcast shape."""
        T, e, s = np.broadcast_arrays(np.asarray(temperature_K, dtype=np.float64),
                                      np.asarray(lattice_strain, dtype=np.float64),
                                      np.asarray(shear_strain, dtype=np.float64))
        X = np.stack([T.ravel(), e.ravel(), s.ravel()], axis=1)
        g = self.ground_state(X)
        return {k: g[k].reshape(T.shape) for k in ("lattice_twist_deg", "n_sites", "energy")}

    def deformed_boxes(self, X: np.ndarray) -> np.ndarray:
        """``n x 2 x 2`` deformed boxes (rows, Angstrom) of ``n`` recipes, through
        :func:`vdwgym.geometry.deform_cell`."""
        X = self._as_recipes(X)
        conv = self.config.shear_convention
        return np.array([deform_cell(self.box, eps, sh, conv) for _, eps, sh in X]).reshape(-1, 2, 2)

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _as_recipes(X: np.ndarray) -> np.ndarray:
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim == 1 and arr.shape == (3,):
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValidationError("X", "shape (n, 3): temperature_K, lattice_strain, shear_strain",
                                  arr.shape)
        if not np.isfinite(arr).all() or (arr[:, 0] <= 0).any():
            raise ValidationError("X", "finite values, temperature_K > 0", arr.tolist())
        return arr

    def _bottom_orientation(self, boxes: np.ndarray) -> np.ndarray:
        """Orientation (deg) of the bottom layer, which deforms with the ``n`` boxes."""
        cells = np.diag([1.0 / self.config.nx, 1.0 / self.config.ny])
        return orientation_deg(gauss_reduce(cells @ boxes))

    def _energy_density(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Elastic energy per unit (natural) area, in the units of ``_lam8`` and ``_mu4``, of
        the strain ``2 e = (x, z; z, y)`` (Green-Lagrange components, times two)."""
        return self._lam8 * (x + y) ** 2 + self._mu4 * (x * x + y * y + 2.0 * z * z)

    def _strain_components(self, P: np.ndarray, a0: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(x, y, z)``, each ``m x k``: twice the Green-Lagrange strain of every candidate
        for ``m`` recipes with box metric ``P = (P11, P12, P22)`` (``m x 3``, A^2) and
        natural lattice constants ``a0`` (m,)."""
        Q = P / (a0 * a0)[:, None]
        M = self._cand.metric
        x = Q[:, 0:1] * M[0, 0] + Q[:, 1:2] * M[0, 1] + Q[:, 2:3] * M[0, 2] - 1.0
        y = Q[:, 0:1] * M[2, 0] + Q[:, 1:2] * M[2, 1] + Q[:, 2:3] * M[2, 2] - 1.0
        z = Q[:, 0:1] * M[1, 0] + Q[:, 1:2] * M[1, 1] + Q[:, 2:3] * M[1, 2]
        return x, y, z

    @staticmethod
    def _rms_strain(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """rms Green-Lagrange strain ``sqrt(tr(E^2) / 2)`` from :meth:`_strain_components`."""
        return 0.5 * np.sqrt((x * x + y * y + 2.0 * z * z) / 2.0)

    def _energies(self, strain: tuple[np.ndarray, ...], a0: np.ndarray) -> np.ndarray:
        """Energies (eV), ``m x k``, of every candidate from its :meth:`_strain_components`
        and the natural lattice constants ``a0`` (m,)."""
        return self._energy_density(*strain) * (a0 * a0)[:, None] * self._area_ev + self._site_ev

    def _rank(self, X: np.ndarray, u: np.ndarray | None) -> dict[str, np.ndarray]:
        """Choose one candidate per recipe: Boltzmann draw with uniforms ``u`` (n,), or the
        lowest energy when ``u`` is None.  Returns the chosen candidates' figures."""
        cfg = self.config
        n = len(X)
        boxes = self.deformed_boxes(X)
        P = _box_metric(boxes)
        a0 = cfg.lattice_constant(X[:, 0])
        kT = K_B_EV * cfg.selection_temperature_scale * X[:, 0]
        idx = np.zeros(n, dtype=np.int64)
        e_min = np.zeros(n)
        step = max(1, cfg.chunk_elements // max(1, self.n_candidates))
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            E = self._energies(self._strain_components(P[lo:hi], a0[lo:hi]), a0[lo:hi])
            e_min[lo:hi] = E.min(axis=1)
            if u is None:  # exact degeneracies (8.21 / 30 deg at N = 147): first candidate wins
                idx[lo:hi] = np.round(E, 9).argmin(axis=1)
                continue
            E = _boltzmann_weights(E, kT[lo:hi])
            np.cumsum(E, axis=1, out=E)
            threshold = u[lo:hi] * E[:, -1]
            idx[lo:hi] = np.minimum((E < threshold[:, None]).sum(axis=1), self.n_candidates - 1)
        return self._describe(idx, boxes, P, a0, e_min)

    def _describe(self, idx: np.ndarray, boxes: np.ndarray, P: np.ndarray, a0: np.ndarray,
                  e_min: np.ndarray) -> dict[str, np.ndarray]:
        cand = self._cand
        M = cand.metric[:, :, idx]  # 3 x 3 x n
        Q = P / (a0 * a0)[:, None]
        C = np.einsum("jmn,nm->nj", M, Q)
        x, z, y = C[:, 0] - 1.0, C[:, 1], C[:, 2] - 1.0
        W = self._energy_density(x, y, z)
        elastic = W * a0 * a0 * self._area_ev[idx]
        strain = self._rms_strain(x, y, z)
        lattices = cand.to_lattice[idx] @ boxes
        twist = fold_twist(orientation_deg(lattices) - self._bottom_orientation(boxes))
        energy = elastic + self._site_ev[idx]
        return {
            "lattice_twist_deg": twist,
            "n_sites": cand.n_sites[idx],
            "matrix": cand.matrix[idx],
            "strain": strain,
            "energy": energy,
            "elastic_energy": elastic,
            "excess_energy": np.maximum(energy - e_min, 0.0),
            "lattice_constant_A": a0,
        }


def _box_metric(boxes: np.ndarray) -> np.ndarray:
    """``n x 3`` components ``(P11, P12, P22)`` of ``B B^T`` for ``n x 2 x 2`` boxes, A^2."""
    return np.stack([np.einsum("ni,ni->n", boxes[:, 0], boxes[:, 0]),
                     np.einsum("ni,ni->n", boxes[:, 0], boxes[:, 1]),
                     np.einsum("ni,ni->n", boxes[:, 1], boxes[:, 1])], axis=1)


def _boltzmann_weights(E: np.ndarray, kT: np.ndarray) -> np.ndarray:
    """Unnormalised Boltzmann weights ``exp(-(E - min E) / kT)`` of ``m x k`` energies (eV)
    at ``m`` temperatures ``kT`` (eV), row minimum 1; computed in place in ``E`` (returned)."""
    E -= E.min(axis=1, keepdims=True)
    E /= -kT[:, None]
    return np.exp(E, out=E)
