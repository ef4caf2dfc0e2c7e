"""Test helpers shipped with vdwgym: cheap known-optimum twist landscapes (here), disorder
generators of test structures (:mod:`vdwgym.testing.disorder`), dumps, fake backends."""

from vdwgym.testing.functions import TwistLandscape, run_batches

__all__ = ["TwistLandscape", "run_batches"]
