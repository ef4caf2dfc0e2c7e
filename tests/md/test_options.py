"""Options, recipes, potentials and presets are refused before LAMMPS starts (most of these
need no LAMMPS; those that resolve the shipped potential files skip without it)."""

import math

import pytest

from tests.md.markers import HAVE_LAMMPS, needs_lammps
from vdwgym.errors import ValidationError
from vdwgym.md import potentials
from vdwgym.md.config import check_recipe, lammps_seed, parse_options
from vdwgym.md.potentials import Potential, quote_path, register_potential, resolve_potential
from vdwgym.md.protocol import PAPER, PRESETS, make_protocol
from vdwgym.md.task import run

GOOD = {"temperature_K": 2500.0, "lattice_strain": 0.015, "shear_strain": 0.015}

BAD_OPTIONS = [
    ({"bogus": 1}, "options.bogus"),
    ({"preset": "nope"}, "preset"),
    ({"nx": 1}, "system.nx"),
    ({"ny": 2.5}, "system.ny"),
    ({"overrides": {"quench.nope": 1}}, "quench.nope"),
    ({"overrides": {"quench.time_ps": -1.0}}, "quench.time_ps"),
    ({"overrides": {"timestep_fs": "1"}}, "timestep_fs"),
    ({"overrides": {"system": 3}}, "system"),
    ({"overrides": {"walls.zhi": -1.0}}, "walls.zhi"),
    ({"overrides": {"amorphize.stop_when_disordered": 1}}, "stop_when_disordered"),
    ({"overrides": "quench.time_ps=5"}, "options.overrides"),
    ({"analysis_every": 0}, "analysis_every_steps"),
    ({"potential": "nope"}, "potential"),
    ({"potential": "reaxff"}, "ffield"),
]
NEEDS_POTENTIAL_FILES = [
    ({"overrides": {"walls.zhi": 10.0}}, "walls.zhi"),
    ({"overrides": {"walls.zlo": 1.0}}, "walls.zlo"),
    ({"analysis_method": "x"}, "analysis_method"),
    ({"amorphous_seed": -1}, "amorphous_seed"),
    ({"amorphous_cache": "/tmp/bad$dir"}, "path"),
]


@pytest.mark.parametrize(("options", "field"), BAD_OPTIONS + [
    pytest.param(o, f, marks=needs_lammps) for o, f in NEEDS_POTENTIAL_FILES])
def test_bad_options_refused_before_lammps_starts(tmp_path, options, field):
    with pytest.raises(ValidationError) as err:
        run(GOOD, 1, options, tmp_path / "e", None)
    assert field in err.value.field
    assert not (tmp_path / "e").exists()  # nothing written: LAMMPS never started


@pytest.mark.parametrize("recipe", [
    {"temperature_K": -5.0, "lattice_strain": 0.0, "shear_strain": 0.0},
    {"temperature_K": math.nan, "lattice_strain": 0.0, "shear_strain": 0.0},
    {"temperature_K": 2000.0, "lattice_strain": 0.9, "shear_strain": 0.0},
    {"temperature_K": 2000.0, "lattice_strain": 0.0, "shear_strain": "0.05"},
    {"temperature_K": 2000.0, "lattice_strain": 0.0},
])
def test_bad_recipes_refused(recipe):
    with pytest.raises(ValidationError):
        check_recipe(recipe)


@needs_lammps
@pytest.mark.parametrize(("name", "why"), [("sw_mod", "collapses"), ("ilp_tmd", "aborts")])
def test_melting_incapable_potentials_refused(tmp_path, name, why):
    with pytest.raises(ValidationError, match=why) as err:
        run(GOOD, 1, {"potential": name, "preset": "smoke"}, tmp_path / "e", None)
    assert err.value.field == "potential"
    assert not (tmp_path / "e").exists()


def test_reaxff_needs_a_readable_ffield_with_mo_and_s(tmp_path):
    with pytest.raises(ValidationError, match="existing file"):
        resolve_potential("reaxff", ffield=str(tmp_path / "missing.ffield"))
    carbon = tmp_path / "ffield.C"
    carbon.write_text("Reactive MD-force field\n 1 ! atoms\n C    1.3817   4.0000  12.0000\n")
    with pytest.raises(ValidationError, match="no atom block"):
        resolve_potential("reaxff", ffield=str(carbon))
    mos = tmp_path / "ffield.MoS"
    mos.write_text(" 2 ! atoms\n Mo   2.0 6.0 95.95\n S    1.9 6.0 32.06\n")
    pot = resolve_potential("reaxff", ffield=str(mos))
    assert pot.atom_style == "charge"
    cmds = pot.commands()
    assert cmds[0] == "pair_style reaxff NULL checkqeq yes"
    assert cmds[1] == f'pair_coeff * * "{mos}" Mo S'
    assert cmds[2].startswith("fix ") and "qeq/reaxff" in cmds[2]


def test_register_potential(tmp_path, monkeypatch):
    monkeypatch.setattr(potentials, "_REGISTRY", dict(potentials._REGISTRY))
    f = tmp_path / "my.snapcoeff"
    f.write_text("x\n")
    register_potential("my_ml", lambda: Potential(name="my_ml", pair_style="snap",
                                                   files=(str(f),), a=3.18))
    assert "my_ml" in potentials.potential_names()
    assert resolve_potential("my_ml").commands()[1] == f'pair_coeff * * "{f}" Mo S'
    with pytest.raises(ValidationError, match="not yet registered"):
        register_potential("my_ml", lambda: None)
    register_potential("frozen", lambda: Potential(name="frozen", pair_style="snap",
                                                   can_melt=False, refusal="no melt"))
    with pytest.raises(ValidationError, match="no melt"):
        parse_options({"potential": "frozen"})
    register_potential("gone", lambda: Potential(name="gone", pair_style="snap",
                                                 files=(str(tmp_path / "nope"),)))
    with pytest.raises(ValidationError, match="existing file"):
        parse_options({"potential": "gone"})
    with pytest.raises(ValidationError):
        Potential(name="evil", pair_style="snap\nshell rm -rf /")


@pytest.mark.parametrize("text", ['/tmp/a"b', "/tmp/$x", "/tmp/a#b", "/tmp/a\nb"])
def test_quote_path_refuses_lammps_syntax(text):
    with pytest.raises(ValidationError):
        quote_path(text)


def test_paper_preset_is_the_methods():
    p = PAPER
    assert (p.system.nx, p.system.ny, p.system.stacking) == (12, 12, "2H")  # 864 atoms
    assert p.timestep_fs == 0.5
    assert (p.amorphize.temperature_K, p.amorphize.time_ps) == (5000.0, 50.0)
    assert not p.amorphize.stop_when_disordered
    assert (p.equilibrate.temperature_K, p.equilibrate.time_ps) == (300.0, 50.0)
    assert p.equilibrate.pressure_bar == pytest.approx(1.01325)
    assert p.anneal.time_ps == 50.0
    assert (p.quench.time_ps, p.quench.final_K) == (500.0, 0.0)
    assert p.steps(p.quench.time_ps) == 1_000_000
    assert (p.walls.zlo, p.walls.zhi) == (0.0, 12.0)
    assert set(PRESETS) == {"paper", "workstation", "quick", "smoke"}


def test_workstation_preset_is_the_measured_reaxff_protocol():
    w = PRESETS["workstation"]
    assert (w.system.nx, w.system.ny, w.timestep_fs) == (8, 8, 1.0)
    assert (w.amorphize.temperature_K, w.amorphize.require_disorder) == (5000.0, True)
    assert 5.0 <= w.anneal.time_ps <= 10.0 and 25.0 <= w.quench.time_ps <= 50.0
    steps = sum(w.steps(t) for t in (w.amorphize.time_ps, w.equilibrate.time_ps,
                                     w.anneal.time_ps, w.quench.time_ps))
    assert steps == 43_000


def test_overrides_make_a_validated_copy():
    p = make_protocol("quick", {"quench.time_ps": 100, "system.nx": 6, "timestep_fs": 1.0})
    assert (p.quench.time_ps, p.system.nx, p.timestep_fs) == (100.0, 6, 1.0)
    assert PRESETS["quick"].quench.time_ps == 50.0  # presets are untouched


def test_lammps_seeds_are_derived_and_in_range():
    seeds = {lammps_seed(s, k, stream) for s in range(50) for k in range(4)
             for stream in ("evaluation", "amorphous")}
    assert len(seeds) == 400  # no two purposes or streams share a seed
    assert all(1 <= s <= 900_000_000 for s in seeds)
    assert lammps_seed(7, 1) == lammps_seed(7, 1)


@pytest.mark.skipif(HAVE_LAMMPS, reason="checks the message when LAMMPS is missing")
def test_missing_lammps_is_a_clear_error():
    with pytest.raises(ValidationError, match="md"):
        parse_options({})
