"""Reinforcement-learning baselines: goal-conditioned stable-baselines3 policies trained on
``vdwgym/Recrystallization-v0`` (see docs/rl.md).

* :mod:`vdwgym.rl.training` - :class:`~vdwgym.rl.training.TrainConfig` and
  :func:`~vdwgym.rl.training.train` (CLI: ``vdwgym train-rl``);
* :mod:`vdwgym.rl.policy` - :func:`~vdwgym.rl.policy.load_policy`, seeded actions;
* :mod:`vdwgym.rl.observation`, :mod:`vdwgym.rl.reward` - what the policy sees and is paid;
* the agent is :class:`vdwgym.agents.rl.RLAgent` (registry name ``"rl"``).

Nothing here imports stable-baselines3 at import time except :mod:`vdwgym.rl.callbacks`,
which only :func:`~vdwgym.rl.training.train` loads.
"""
