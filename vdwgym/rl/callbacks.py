"""stable-baselines3 callbacks used during training (this module imports stable-baselines3)."""

from __future__ import annotations

import math
from collections.abc import Callable

from stable_baselines3.common.callbacks import BaseCallback

__all__ = ["ProgressCallback", "EpisodeLog"]


class ProgressCallback(BaseCallback):
    """Calls ``report(env_steps)`` after every vectorized step (the CLI's progress bar)."""

    def __init__(self, report: Callable[[int], None]) -> None:
        super().__init__()
        self.report = report

    def _on_step(self) -> bool:
        self.report(int(self.num_timesteps))
        return True


class EpisodeLog(BaseCallback):
    """Records every finished training episode as ``(env_steps, length, best_regret_deg,
    reached)``: the environment steps done when it ended, its number of evaluations, its
    best ``|twist - target|`` in degrees (``nan`` if no evaluation gave a twist) and whether
    it ended at the tolerance (terminated) rather than at the budget."""

    def __init__(self) -> None:
        super().__init__()
        self.episodes: list[tuple[int, int, float, bool]] = []
        self._best: list[float] = []
        self._length: list[int] = []

    def _on_training_start(self) -> None:
        n = self.training_env.num_envs
        self._best, self._length = [math.inf] * n, [0] * n

    def _on_step(self) -> bool:
        for i, (info, done) in enumerate(zip(self.locals["infos"], self.locals["dones"], strict=True)):
            self._length[i] += 1
            if info.get("regret_deg") is not None:
                self._best[i] = min(self._best[i], float(info["regret_deg"]))
            if done:
                best = self._best[i] if math.isfinite(self._best[i]) else math.nan
                self.episodes.append((int(self.num_timesteps), self._length[i], best,
                                      not info.get("TimeLimit.truncated", False)))
                self._best[i], self._length[i] = math.inf, 0
        return True
