"""Test helpers shipped with vdwgym: cheap known-optimum twist landscapes."""

from vdwgym.testing.functions import TwistLandscape, run_batches

__all__ = ["TwistLandscape", "run_batches"]
