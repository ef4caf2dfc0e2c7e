"""Gymnasium environments (installed as ``vdwgym.envs``).

``vdwgym/Recrystallization-v0`` is registered on ``import vdwgym`` (once gymnasium is imported,
see :mod:`vdwgym.gym_registration`; or without it, ``gymnasium.make("vdwgym.envs:vdwgym/...")``):
``gymnasium.make("vdwgym/Recrystallization-v0", backend="surrogate", target_deg=8.5,
budget=50)`` and ``gymnasium.make_vec(..., num_envs=q)``.
"""

import gymnasium

from vdwgym.envs.recrystallization import RecrystallizationEnv
from vdwgym.envs.vector import RecrystallizationVectorEnv

__all__ = ["RecrystallizationEnv", "RecrystallizationVectorEnv", "ENV_ID"]

ENV_ID = "vdwgym/Recrystallization-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=ENV_ID,
        entry_point="vdwgym.envs.recrystallization:RecrystallizationEnv",
        vector_entry_point="vdwgym.envs.vector:RecrystallizationVectorEnv",
        nondeterministic=False,
    )
