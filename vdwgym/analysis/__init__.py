"""Twist angle, order parameters and layer split of MoS2 bilayers (pure numpy/scipy).

The same code runs on the fly in the MD worker (:func:`analyze_frame`) and in
``vdwgym analyze FILE``.  See docs/analysis.md for methods, thresholds and accuracy.
"""

from vdwgym.analysis.bond_order import orientation_histogram, psi6, psi6_orientation
from vdwgym.analysis.chain import chain_twist, chain_walk
from vdwgym.analysis.layers import LayerSplit, split_layers
from vdwgym.analysis.neighbors import periodic_pairs
from vdwgym.analysis.order import PairOrder, pair_order
from vdwgym.analysis.readers import read_data, read_dump, read_frames
from vdwgym.analysis.structure_factor import sf_orientation, structure_factor
from vdwgym.analysis.twist import (
    METHODS,
    FrameAnalysis,
    LayerResult,
    TwistAnalyzer,
    analyze_frame,
)

__all__ = [
    "METHODS",
    "FrameAnalysis",
    "LayerResult",
    "LayerSplit",
    "PairOrder",
    "TwistAnalyzer",
    "analyze_frame",
    "chain_twist",
    "chain_walk",
    "orientation_histogram",
    "pair_order",
    "periodic_pairs",
    "psi6",
    "psi6_orientation",
    "read_data",
    "read_dump",
    "read_frames",
    "sf_orientation",
    "split_layers",
    "structure_factor",
]
