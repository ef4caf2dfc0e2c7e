"""The MD task leaves structure.png and diffraction.png beside final.dump; the Gymnasium env
renders the last structure as rgb_array."""

import numpy as np
import pytest

from tests.md.markers import needs_lammps

pytestmark = [pytest.mark.md, needs_lammps]


def test_smoke_run_writes_both_pictures(smoke_run):
    from matplotlib.image import imread

    outcome, _, run_dir, _ = smoke_run
    assert outcome.status.value == "ok"
    for name in ("structure.png", "diffraction.png"):
        pixels = imread(run_dir / name)
        assert pixels.shape[0] > 300 and pixels[..., :3].std() > 0.05


def test_env_renders_the_last_md_structure(tmp_path):
    from vdwgym.envs.recrystallization import RecrystallizationEnv

    env = RecrystallizationEnv(backend="lammps", budget=2, render_mode="rgb_array",
                               backend_options={"preset": "smoke", "root": str(tmp_path / "runs")})
    try:
        env.reset(seed=0)
        before = env.render()  # no evaluation yet: the (empty) regret plot
        _, _, _, _, info = env.step(np.zeros(3, dtype=np.float32))
        after = env.render()
    finally:
        env.close()
    assert info["status"] == "ok"
    assert after.dtype == np.uint8 and after.ndim == 3 and after.shape[2] == 3
    assert after.shape == before.shape and np.abs(after.astype(int) - before.astype(int)).mean() > 5
    # the top view's colour bar uses the hsv map: saturated colours a regret plot never has
    sat = after.max(axis=2).astype(int) - after.min(axis=2).astype(int)
    assert (sat > 200).mean() > 0.01
