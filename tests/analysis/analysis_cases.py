"""Shared test cases and builders for the analysis tests (imported as ``analysis_cases``:
pytest puts this folder on ``sys.path``)."""

import numpy as np

from vdwgym.structures import Structure, twisted_bilayer
from vdwgym.testing.disorder import add_amorphous_patch, add_debris, add_noise, add_vacancies

# (m, n) -> construction angle: the whole range, 2 to 29.4 degrees
TWIST_CASES = [(16, 17), (6, 7), (1, 11), (5, 8), (4, 9), (3, 8)]
# (lattice_strain, shear_strain, convention); None = hexagonal box
DEFORMATIONS = [None, (0.05, 0.0575, "engineering"), (0.0, 0.055, "engineering"),
                (0.03, 0.0575, "tilt"), (0.02, -0.3, "engineering")]


def disorder(s: Structure, rng: np.random.Generator, sigma: float = 0.15,
             vacancies: float = 0.08, patch: float = 8.0, debris: int = 10) -> Structure:
    """The worst case of issue 3: Gaussian noise, vacancies, an amorphous patch in the top
    layer and debris between the layers."""
    s = add_noise(s, sigma, rng)
    s = add_vacancies(s, vacancies, rng)
    if patch:
        s = add_amorphous_patch(s, rng, radius=patch)
    return add_debris(s, debris, rng)


def build(mn, deformation, seed: int, **kw) -> tuple[Structure, float]:
    """Disordered (possibly deformed) twisted bilayer and its construction twist."""
    s, _ = twisted_bilayer(*mn)
    if deformation is not None:
        s = s.deformed(*deformation)
    return disorder(s, np.random.default_rng(seed), **kw), s.info["twist_deg"]
