"""Pictures of structures: the diffraction pattern of a commensurate twisted bilayer shows the
two six-spot families at the construction twist, measured from the image data alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from vdwgym.outcome import fold_twist
from vdwgym.pictures import plot_diffraction, plot_structure, write_structure_pictures
from vdwgym.structures import mx2_bilayer, twisted_bilayer
from vdwgym.testing.dumps import write_dump


def spot_families(ax, g0: float, n_spots: int = 2) -> list[tuple[float, float]]:
    """``(angle, peak intensity)`` (deg modulo 60) of the ``n_spots`` strongest spot families
    on the first-order ring of the pattern drawn on ``ax``: intensity-weighted centroids of
    the pixels within 15 % of ``g0``, folded by the six-fold symmetry, one family at a time
    (each family's pixels within 4 deg are masked before the next is looked for)."""
    img = ax.images[0]
    inten = 10.0 ** np.asarray(img.get_array(), dtype=float)
    x0, x1, y0, y1 = img.get_extent()
    ny, nx = inten.shape
    kx = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ky = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    KX, KY = np.meshgrid(kx, ky)
    ring = np.abs(np.hypot(KX, KY) - g0) < 0.15 * g0
    ang = np.degrees(np.arctan2(KY[ring], KX[ring])) % 60.0
    w = inten[ring]
    out = []
    for _ in range(n_spots):
        peak = ang[np.argmax(w)]
        d = (ang - peak + 30.0) % 60.0 - 30.0
        near = np.abs(d) < 4.0
        out.append(((peak + np.average(d[near], weights=w[near])) % 60.0, float(w.max())))
        w = np.where(near, 0.0, w)
    return out


@pytest.mark.parametrize("m, n, repeat", [(3, 4, (2, 2)), (2, 3, (3, 3))])
def test_diffraction_shows_both_spot_families_at_the_twist(m, n, repeat):
    s, theta = twisted_bilayer(m, n, repeat=repeat)
    ax = plot_diffraction(s.positions, s.types, s.cell)
    (a1, i1), (a2, i2) = spot_families(ax, 4 * math.pi / (math.sqrt(3) * 3.16))
    assert i2 > 0.5 * i1  # two equally strong families
    measured = fold_twist(a2 - a1)
    assert abs(measured - theta) < 0.5, (measured, theta)
    # the markers are where the spots are: each family's circles sit on a measured family
    circled = [np.degrees(np.arctan2(*c.get_offsets()[0][::-1])) % 60 for c in ax.collections[:2]]
    for c in circled:
        assert min(abs((c - a + 30) % 60 - 30) for a in (a1, a2)) < 0.5
    assert f"twist: {theta:.2f} deg" in ax.texts[0].get_text()


def test_untwisted_bilayer_has_one_family_and_blank_background():
    s = mx2_bilayer(10, 10)
    ax = plot_diffraction(s.positions, s.types, s.cell)
    (a1, i1), (_, i2) = spot_families(ax, 4 * math.pi / (math.sqrt(3) * 3.16))
    img = 10.0 ** np.asarray(ax.images[0].get_array())
    assert np.median(img) < 1e-3  # dark between spots
    assert i2 < 0.01 * i1  # nothing but the tail of the one family
    assert abs((a1 - 30.0 + 30) % 60 - 30) < 0.5  # first-order spots at 30 + 60 n deg


def test_top_view_colours_layers_by_orientation():
    s, theta = twisted_bilayer(3, 4, repeat=(2, 2))
    ax = plot_structure(s.positions, s.types, s.cell, ax=Figure().subplots(), tiles=1)
    bottom, top = ax.collections[:2]
    ob, ot = np.ma.median(bottom.get_array()), np.ma.median(top.get_array())
    assert abs(fold_twist(ot - ob) - theta) < 0.5
    assert len(bottom.get_offsets()) == len(top.get_offsets()) == 37 * 4


def test_write_structure_pictures_beside_the_dump(tmp_path):
    s, _ = twisted_bilayer(2, 3, repeat=(2, 2))
    write_dump(s, tmp_path / "final.dump")
    paths = write_structure_pictures(tmp_path)
    assert [p.name for p in paths] == ["structure.png", "diffraction.png"]
    from matplotlib.image import imread

    for p in paths:
        pixels = imread(p)
        assert pixels.shape[0] > 300 and pixels[..., :3].std() > 0.05  # not blank


def test_analyze_plot_writes_both_pictures(tmp_path, capsys):
    from vdwgym.cli import main

    s, theta = twisted_bilayer(2, 3, repeat=(2, 2))
    write_dump(s, tmp_path / "twisted.dump")
    assert main(["analyze", str(tmp_path / "twisted.dump"), "--plot"]) == 0
    captured = capsys.readouterr()
    assert f"twist {theta:.3f} deg" in captured.out
    for name in ("twisted-structure.png", "twisted-diffraction.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_try_write_logs_instead_of_raising(tmp_path, caplog):
    from vdwgym.pictures import try_write_structure_pictures

    (tmp_path / "final.dump").write_text("not a dump\n")
    assert try_write_structure_pictures(tmp_path) == []
    assert "no structure pictures" in caplog.text
    assert not (tmp_path / "structure.png").exists()
