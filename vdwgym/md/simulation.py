"""One LAMMPS instance running the protocol's stages, with analysis between chunks.

Used by :mod:`vdwgym.md.task`; imports LAMMPS and mpi4py when instantiated (never at
module import).  Every command sent to LAMMPS is built here from validated numbers and
safely quoted paths (:func:`vdwgym.md.potentials.quote_path`); no user text reaches it.

Units: the protocol's numbers are in eV, ps, K, bar and Angstrom (its time step in fs);
LAMMPS runs in the potential's own unit system (``metal`` or ``real``), and every
unit-bearing number of a command goes through :attr:`Simulation.units`
(:class:`vdwgym.md.units.LammpsUnits`), the one conversion point.  Energies read back
(``pe_eV`` of the progress lines) are converted to eV.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.errors import WorkerError
from vdwgym.geometry import Cell, deform_cell
from vdwgym.md.config import BOTTOM_MO_Z, TaskConfig, amorphous_key, lammps_seed
from vdwgym.md.potentials import quote_path
from vdwgym.md.units import lammps_number as _num

__all__ = ["Simulation", "box_cell"]

log = logging.getLogger(__name__)


def box_cell(lmp) -> np.ndarray:
    """The LAMMPS box as ``3 x 3`` rows ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``,
    ``c = (xz, yz, lz)`` (Angstrom)."""
    boxlo, boxhi, xy, yz, xz, _periodicity, _changed = lmp.extract_box()
    return np.array(Cell.from_bounds(boxlo, boxhi, xy, xz, yz).matrix)


class Simulation:
    """The stages of :class:`vdwgym.md.protocol.Protocol` on one LAMMPS instance.

    Parameters
    ----------
    cfg:
        :class:`vdwgym.md.config.TaskConfig`.
    run_dir:
        Where rank 0 writes ``log.lammps``, ``final.dump`` and the initial data file.
    progress:
        Called on rank 0 with each progress line (a JSON-able dict).
    """

    def __init__(self, cfg: TaskConfig, run_dir: Path, progress: Callable[[dict], None] | None) -> None:
        import mpi4py.MPI as MPI  # noqa: N817 - loads libmpi before lammps
        from lammps import lammps

        self.cfg = cfg
        self.p = cfg.protocol
        self.units = cfg.potential.lammps_units
        self.comm = MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.nprocs = self.comm.Get_size()
        self.is_root = self.rank == 0
        self.run_dir = run_dir
        self.progress = progress
        self.history: list[dict[str, Any]] = []
        self.commands: list[str] = []
        self.timings: dict[str, float] = {"analysis_s": 0.0}
        self.md_steps: dict[str, int] = {}
        self.step = 0
        self.stage = "setup"
        self.analysed_step: tuple[str, int] = ("", -1)
        if self.is_root:
            run_dir.mkdir(parents=True, exist_ok=True)
        self.comm.Barrier()
        args = ["-log", str(run_dir / "log.lammps"), "-screen", "none", "-nocite"]
        try:
            self.lmp = lammps(cmdargs=args, comm=self.comm if self.nprocs > 1 else None)
        except RuntimeError as exc:  # e.g. a serial LAMMPS build under mpiexec
            raise WorkerError(f"cannot start LAMMPS on {self.nprocs} MPI ranks: {exc}") from exc
        self.natoms = 0
        self._analyzer_kw = {"method": cfg.analysis_method, "a": cfg.lattice_constant}

    # ------------------------------------------------------------------ LAMMPS access
    def cmd(self, text: str) -> None:
        """One LAMMPS command (recorded in :attr:`commands`); a LAMMPS error becomes a
        :class:`WorkerError`."""
        self.commands.append(text)
        try:
            self.lmp.command(text)
        except Exception as exc:  # LAMMPS raises a bare Exception with its error text
            raise WorkerError(f"LAMMPS failed in stage {self.stage!r} at step {self.step} "
                              f"on '{text}': {exc}") from exc

    def close(self) -> None:
        self.lmp.close()

    def gather(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions ``(N, 3)`` and types ``(N,)`` ordered by atom id, and the box, on rank
        0 (collective on all ranks; other ranks get empty arrays)."""
        cell = box_cell(self.lmp)
        if self.nprocs == 1:
            n = self.lmp.extract_global("nlocal")
            ids = self.lmp.numpy.extract_atom("id")[:n]
            order = np.argsort(ids)
            x = np.array(self.lmp.numpy.extract_atom("x")[:n][order], dtype=np.float64)
            t = np.array(self.lmp.numpy.extract_atom("type")[:n][order], dtype=np.int64)
            return x, t, cell
        n = self.natoms
        x = self.lmp.gather_atoms("x", 1, 3)
        t = self.lmp.gather_atoms("type", 0, 1)
        if not self.is_root:
            return np.empty((0, 3)), np.empty(0, dtype=np.int64), cell
        return (np.ctypeslib.as_array(x).reshape(n, 3).astype(np.float64),
                np.ctypeslib.as_array(t).reshape(n).astype(np.int64), cell)

    # ------------------------------------------------------------------ setup
    def _setup(self, data_file: Path, velocities_seed: int | None) -> None:
        pot = self.cfg.potential
        walls = self.p.walls
        u = self.units
        for c in (u.command(), f"atom_style {pot.atom_style}", "atom_modify map array",
                  "boundary p p f", f"read_data {quote_path(data_file)}"):
            self.cmd(c)
        for c in pot.commands():
            self.cmd(c)
        self.natoms = int(self.lmp.get_natoms())
        half = self.natoms // 2
        wl = f"{_num(u.energy(walls.epsilon))} {_num(walls.sigma)} {_num(walls.cutoff_A)}"
        for c in (f"group bottom id 1:{half}", f"group top id {half + 1}:{self.natoms}",
                  f"fix walls all wall/lj93 zlo {_num(walls.zlo)} {wl} zhi {_num(walls.zhi)} {wl}",
                  f"timestep {_num(u.timestep(self.p.timestep_fs))}",
                  "neighbor 2.0 bin", "neigh_modify every 1 delay 0 check yes",
                  "thermo_style custom step temp pe press lx ly xy",
                  f"thermo {self.p.analysis_every_steps}",
                  "thermo_modify lost error norm no flush yes",
                  "fix nve all nve"):
            self.cmd(c)
        if velocities_seed is not None:
            self.cmd(f"velocity all create {_num(self.p.equilibrate.temperature_K)} "
                     f"{velocities_seed} mom yes rot no dist gaussian")

    def _write_initial(self, path: Path) -> None:
        from vdwgym.structures import mx2_bilayer, write_lammps_data

        s = self.p.system
        if self.is_root:
            structure = mx2_bilayer(s.nx, s.ny, a=self.cfg.lattice_constant,
                                    stacking=s.stacking, layer_spacing=self.cfg.layer_spacing,
                                    s_height=self.cfg.s_height, z0=BOTTOM_MO_Z, box_z=self.p.walls.zhi)
            write_lammps_data(structure, path, atom_style=self.cfg.potential.atom_style,
                              title="vdwgym md initial bilayer")
        self.comm.Barrier()

    def prepare_start(self, cache_dir: Path) -> dict[str, Any]:
        """Load the cached amorphous start, or compute it (amorphize + equilibrate) and
        cache it atomically.  Returns a description (key, path, whether it was reused and
        the amorphization record).

        Evaluations launched together share one computation: rank 0 holds an exclusive
        ``flock`` on ``amorphous_<key>.lock`` while it computes, and an evaluation that finds
        the lock taken waits for the result instead of melting the same layer again."""
        key = amorphous_key(self.cfg)
        data = cache_dir / f"amorphous_{key}.data"
        meta = cache_dir / f"amorphous_{key}.json"
        if data.is_file() and meta.is_file():
            return self._load_start(key, data, meta)
        lock = None
        if self.is_root:
            cache_dir.mkdir(parents=True, exist_ok=True)
            lock = open(cache_dir / f"amorphous_{key}.lock", "w")  # held until the start is cached
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("another evaluation is computing amorphous start %s: waiting", key)
                fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            ready = self.comm.bcast(data.is_file() and meta.is_file() if self.is_root else None, root=0)
            if ready:
                return self._load_start(key, data, meta)
            return self._compute_start(key, cache_dir, data, meta)
        finally:
            if lock is not None:
                lock.close()

    def _load_start(self, key: str, data: Path, meta: Path) -> dict[str, Any]:
        self.stage = "load"
        self._setup(data, None)
        record = json.loads(meta.read_text())
        log.info("reusing amorphous start %s", data)
        return {"key": key, "path": str(data), "reused": True, **record}

    def _compute_start(self, key: str, cache_dir: Path, data: Path, meta: Path) -> dict[str, Any]:
        initial = self.run_dir / "initial.data"
        self._write_initial(initial)
        aseed = self.cfg.amorphous_seed
        self._setup(initial, lammps_seed(aseed, 0, "amorphous"))
        t0 = time.perf_counter()
        record = self.amorphize(lammps_seed(aseed, 1, "amorphous"),
                                lammps_seed(aseed, 2, "amorphous"))
        self.equilibrate()
        record["computed_s"] = time.perf_counter() - t0
        self.comm.Barrier()
        tmp = cache_dir / f".amorphous_{key}.{os.getpid()}.tmp"
        self.cmd(f"write_data {quote_path(tmp)} nocoeff")
        if self.is_root:
            meta_tmp = meta.with_name(meta.name + f".{os.getpid()}.tmp")
            meta_tmp.write_text(json.dumps(record, indent=1))
            os.replace(tmp, data)
            os.replace(meta_tmp, meta)
        self.comm.Barrier()
        return {"key": key, "path": str(data), "reused": False, **record}

    # ------------------------------------------------------------------ stages
    def _run(self, stage: str, nsteps: int, ramp: bool = False,
             stop: Callable[[dict], bool] | None = None) -> int:
        """Run ``nsteps`` in chunks of ``analysis_every_steps`` (or the amorphize stage's
        check interval), analysing after each chunk; with ``ramp`` the thermostat targets
        ramp over the whole stage (``run N start S stop E``).  ``stop(line)`` (rank 0) ends
        the stage early.  Returns the steps run."""
        self.stage = stage
        every = self.p.analysis_every_steps
        if stop is not None:
            every = min(every, self.p.amorphize.check_every_steps)
        first, done = self.step, 0
        t0 = time.perf_counter()
        analysis_before = self.timings["analysis_s"]
        while done < nsteps:
            n = min(every, nsteps - done)
            text = f"run {n}"
            if ramp:
                text += f" start {first} stop {first + nsteps}"
            text += " pre yes post no" if done == 0 else " pre no post no"
            self.cmd(text)
            done += n
            self.step += n
            line = self.analyse()
            halt = bool(stop(line)) if (stop is not None and self.is_root) else False
            if self.nprocs > 1:
                halt = self.comm.bcast(halt, root=0)
            if halt:
                break
        md = time.perf_counter() - t0 - (self.timings["analysis_s"] - analysis_before)
        self.timings[f"{stage}_s"] = self.timings.get(f"{stage}_s", 0.0) + md
        self.md_steps[stage] = self.md_steps.get(stage, 0) + done
        return done

    def analyse(self) -> dict[str, Any]:
        """Analyse the current frame (rank 0), record and report the progress line."""
        from vdwgym.analysis import analyze_frame

        natoms = int(self.lmp.get_natoms())
        if natoms != self.natoms:
            raise WorkerError(f"LAMMPS lost atoms in stage {self.stage!r}: {natoms} of "
                              f"{self.natoms} left at step {self.step}")
        temp = float(self.lmp.get_thermo("temp"))
        pe = self.units.energy_to_eV(self.lmp.get_thermo("pe"))
        self.analysed_step = (self.stage, self.step)
        x, t, cell = self.gather()
        if not self.is_root:
            return {}
        t0 = time.perf_counter()
        res = analyze_frame(x, t, cell, **self._analyzer_kw)
        self.timings["analysis_s"] += time.perf_counter() - t0
        line = {
            "step": self.step,
            "time_ps": round(self.step * self.p.timestep_fs / 1000.0, 6),
            "stage": self.stage,
            "temperature_K": round(temp, 3),
            "pe_eV": round(pe, 6),
            "twist_deg": res.twist_deg if res.crystalline else None,
            "crystalline": bool(res.crystalline),
            "crystallinity": [round(float(ly.peak_sn), 6) for ly in res.layers],
            "mean_abs_psi6": [round(float(ly.mean_abs_psi6), 6) for ly in res.layers],
            "fraction_ordered": [round(float(ly.fraction_ordered), 6) for ly in res.layers],
            "psi6_global": [round(float(ly.psi6_global), 6) for ly in res.layers],
            "order": round(float(res.order.per_atom), 6),
            "natoms": natoms,
        }
        self.history.append(line)
        self._last = res
        if self.progress is not None:
            self.progress(line)
        return line

    def _top_disordered(self, line: dict) -> bool:
        """The amorphize stop test on the last analysis: the top layer is not crystalline
        (or its crystallinity is at most the stage's ``disorder_threshold``)."""
        layers = self._last.layers
        if len(layers) < 2:
            return True
        top = layers[1]
        thr = self.p.amorphize.disorder_threshold
        return (not top.crystalline) if thr is None else top.peak_sn <= thr

    def amorphize(self, seed_top: int, seed_bottom: int) -> dict[str, Any]:
        """Melt the top layer (Langevin at the stage temperature, bottom at ``bottom_K``)."""
        st = self.p.amorphize
        damp = _num(self.units.time(st.damping_ps))
        self.cmd(f"fix heat_top top langevin {_num(st.temperature_K)} "
                 f"{_num(st.temperature_K)} {damp} {seed_top}")
        self.cmd(f"fix hold_bottom bottom langevin {_num(st.bottom_K)} {_num(st.bottom_K)} "
                 f"{damp} {seed_bottom}")
        stop = self._top_disordered if st.stop_when_disordered else None
        ran = self._run("amorphize", self.p.steps(st.time_ps), stop=stop)
        disordered = self._bcast(self._top_disordered(self.history[-1]) if self.is_root
                                 else None)
        extra = 0
        if disordered and st.stop_when_disordered and st.extra_time_ps > 0:
            extra = self._run("amorphize", self.p.steps(st.extra_time_ps))
        if self.is_root:
            disordered = self._top_disordered(self.history[-1])
        disordered = self._bcast(disordered)
        self.cmd("unfix heat_top")
        self.cmd("unfix hold_bottom")
        if st.require_disorder and not disordered:
            raise WorkerError(
                f"the top layer is still crystalline after {st.time_ps:g} ps at "
                f"{st.temperature_K:g} K with {self.cfg.potential.name} (top-layer "
                f"crystallinity {self._bcast(self._top_crystallinity())}, units "
                f"{self.units.name}): raise amorphize.temperature_K or amorphize.time_ps "
                "(rebomos superheats at 5000 K and melts in 1-2 ps at 6500-7000 K; the "
                "paper's ReaxFF melts in under 1 ps at 5000 K)")
        time_ps = (ran + extra) * self.p.timestep_fs / 1000.0
        return {"amorphize_time_ps": time_ps, "disordered": bool(disordered),
                "top_crystallinity": self._bcast(self._top_crystallinity())}

    def _top_crystallinity(self) -> float | None:
        if not self.is_root:
            return None
        layers = self._last.layers
        return float(layers[1].peak_sn) if len(layers) > 1 else 0.0

    def _bcast(self, value):
        return self.comm.bcast(value, root=0) if self.nprocs > 1 else value

    def equilibrate(self) -> None:
        """Whole bilayer at the stage temperature with a Berendsen thermostat; when the
        stage has a pressure, x and y (coupled) are barostatted by ``fix nph`` (LAMMPS's
        press/berendsen refuses triclinic boxes, and the hexagonal box is triclinic)."""
        st = self.p.equilibrate
        T = _num(st.temperature_K)
        self.cmd(f"velocity all scale {T}")
        u = self.units
        self.cmd(f"fix eq_temp all temp/berendsen {T} {T} "
                 f"{_num(u.time(st.thermostat_damping_ps))}")
        if st.pressure_bar is not None:
            P, pd = _num(u.pressure(st.pressure_bar)), _num(u.time(st.barostat_damping_ps))
            self.cmd("unfix nve")
            self.cmd(f"fix eq_press all nph x {P} {P} {pd} y {P} {P} {pd} couple xy")
        self._run("equilibrate", self.p.steps(st.time_ps))
        self.cmd("unfix eq_temp")
        if st.pressure_bar is not None:
            self.cmd("unfix eq_press")
            self.cmd("fix nve all nve")

    def apply_recipe(self, lattice_strain: float, shear_strain: float
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Deform the box by :func:`vdwgym.geometry.deform_cell` (atoms remapped affinely).
        Returns the boxes before and after (rows, A).  The step counter restarts at 0
        here, so ``time_ps`` of the recipe stages counts from the recipe."""
        self.stage = "recipe"
        self.cmd("reset_timestep 0")
        self.step = 0
        self.analysed_step = ("", -1)
        before = box_cell(self.lmp)
        target = deform_cell(before, lattice_strain, shear_strain, self.p.shear_convention)
        boxlo = self.lmp.extract_box()[0]
        self.cmd(f"change_box all x final {_num(boxlo[0])} {_num(boxlo[0] + target[0, 0])} "
                 f"y final {_num(boxlo[1])} {_num(boxlo[1] + target[1, 1])} "
                 f"xy final {_num(target[1, 0])} remap units box")
        after = box_cell(self.lmp)
        return before, after

    def anneal(self, temperature_K: float, velocity_seed: int, thermostat_seed: int) -> None:
        """Rapid heating: velocities drawn at T, Langevin NVT at T."""
        st = self.p.anneal
        T = _num(temperature_K)
        self.cmd(f"velocity all create {T} {velocity_seed} mom yes rot no dist gaussian")
        self.cmd(f"fix thermostat all langevin {T} {T} {_num(self.units.time(st.damping_ps))} "
                 f"{thermostat_seed}")
        self._run("anneal", self.p.steps(st.time_ps))
        self.cmd("unfix thermostat")

    def quench(self, temperature_K: float, seed: int) -> None:
        """Langevin NVT ramp from T to the stage's final temperature."""
        st = self.p.quench
        self.cmd(f"fix thermostat all langevin {_num(temperature_K)} {_num(st.final_K)} "
                 f"{_num(self.units.time(st.damping_ps))} {seed}")
        self._run("quench", self.p.steps(st.time_ps), ramp=True)
        self.cmd("unfix thermostat")

    def finish(self) -> dict[str, Any] | None:
        """Write ``final.dump`` and return the final analysis (rank 0; None elsewhere).
        The final frame is the last analysed one (the end of the quench)."""
        self.stage = "final"
        if self.analysed_step[1] != self.step:  # same test on every rank (collective)
            self.analyse()
        dump = self.run_dir / "final.dump"
        self.cmd(f"write_dump all custom {quote_path(dump)} id type x y z "
                 "modify sort id format float %.12g")
        if self.is_root:
            (self.run_dir / "commands.lammps").write_text(
                "# the LAMMPS commands of this evaluation, in order (replayable with lmp -in)\n"
                + "\n".join(self.commands) + "\n")
        steps = sum(self.md_steps.values())
        md_s = sum(self.timings.get(f"{k}_s", 0.0) for k in self.md_steps)
        self.timings["md_steps"] = steps
        self.timings["atom_steps_per_s"] = self.natoms * steps / md_s if md_s > 0 else None
        if not self.is_root:
            return None
        return self._last.to_dict()
