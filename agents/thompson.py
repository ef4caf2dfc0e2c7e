"""Batch Thompson sampling (``ts``) over a quasi-random Sobol candidate set, as in the paper.

Each of the ``n`` batch points is the best candidate under its own posterior sample: ``n``
sample paths ``f_i`` of the GP are drawn and candidate ``argmax_x score(f_i(x))`` is taken
for path ``i`` (no candidate twice), where ``score`` is ``-|f - target|`` (``objective=
"twist"``) or ``f`` itself (``"regret"``).  This is Kandasamy et al.'s parallel TS.

Memory is bounded: exact joint sampling over ``N`` candidates is an ``N x N`` Cholesky
(about 19 GB at ``N = 20,000``).  Here the samples are pathwise (Matheron's rule, BoTorch's
``draw_matheron_paths``: random Fourier prior features plus a data update), functions that
are evaluated on the candidates in chunks of ``chunk`` points, so memory grows with
``chunk x features`` and not with ``N^2`` (measured in docs/agents.md).

Pending points (running recipes) are handled with posterior-mean fantasies ("kriging
believer"): the GP is conditioned on ``(x_pending, mean(x_pending))`` with its fitted
hyperparameters, which collapses the sample paths' spread there, so the batch moves to
other promising regions instead of duplicating the running recipes.
"""

from __future__ import annotations

import numpy as np
import torch
from botorch.sampling.pathwise import draw_matheron_paths

from vdwgym.agents.base import SeedLike
from vdwgym.agents.bo import BOAgent
from vdwgym.agents.objective import score
from vdwgym.agents.sobol import sobol
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["ThompsonAgent"]


class ThompsonAgent(BOAgent):
    """Batch Thompson sampling with pathwise GP samples on ``n_candidates`` Sobol points.

    Parameters (beyond :class:`~vdwgym.agents.bo.BOAgent`'s)
    ----------
    n_candidates:
        Size ``N`` of the scrambled Sobol candidate set, drawn afresh at each call.
    chunk:
        Candidates evaluated per block (bounds memory).
    """

    name = "ts"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 objective: str = "twist", n_candidates: int = 5000, chunk: int = 2048,
                 **options) -> None:
        super().__init__(space, target_deg, seed, objective=objective, **options)
        if int(n_candidates) != n_candidates or n_candidates < 1:
            raise ValidationError("n_candidates", "an integer >= 1", n_candidates)
        if int(chunk) != chunk or chunk < 1:
            raise ValidationError("chunk", "an integer >= 1", chunk)
        self.n_candidates = int(n_candidates)
        self.chunk = int(chunk)

    def acquire(self, model, n: int, pending: torch.Tensor, seed: int) -> np.ndarray:
        if self.n_candidates < n:
            raise ValidationError("n", f"<= n_candidates = {self.n_candidates}", n)
        if len(pending):
            with torch.no_grad():
                fantasy = model.posterior(pending).mean
            model = model.condition_on_observations(pending, fantasy)
        C = torch.as_tensor(sobol(self.space.d, self.n_candidates, seed), dtype=torch.float64)
        paths = draw_matheron_paths(model, sample_shape=torch.Size([n]))
        with torch.no_grad():
            S = torch.cat([score(paths(C[i:i + self.chunk]), self.objective, self.target_deg)
                           for i in range(0, len(C), self.chunk)], dim=-1)  # n x N
        chosen: list[int] = []
        for i in range(n):
            s = S[i].clone()
            if chosen:
                s[chosen] = -torch.inf
            chosen.append(int(torch.argmax(s)))
        return C[chosen].numpy()
