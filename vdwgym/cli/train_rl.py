"""``vdwgym train-rl``: train a goal-conditioned stable-baselines3 policy on the surrogate lab."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vdwgym.cli.options import parse_options


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train-rl", help="train a stable-baselines3 policy (PPO, SAC, A2C) for target twists",
        description="Train a goal-conditioned policy on vdwgym/Recrystallization-v0: every episode "
                    "is a campaign of --budget evaluations for a target drawn from --target-range; "
                    "writes policy.zip, policy.json (training record) and episodes.csv to --out.  "
                    "Use the policy in campaigns and benchmarks as agent 'rl' with option "
                    "policy=OUT/policy.zip.  Needs the rl extra (stable-baselines3).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--algo", choices=["ppo", "sac", "a2c"], default="sac")
    p.add_argument("--steps", type=int, default=20_000, help="environment steps (evaluations) to train for")
    p.add_argument("--seed", type=int, default=0, help="seed of the algorithm and the environments")
    p.add_argument("--budget", type=int, default=60, help="evaluations per training episode")
    p.add_argument("--tolerance", type=float, default=0.1, help="regret (deg) that ends an episode")
    p.add_argument("--target-range", type=float, nargs=2, default=(1.0, 29.0), metavar=("LOW", "HIGH"),
                   help="targets (deg) are drawn uniformly from [LOW, HIGH] each episode")
    p.add_argument("--reward", choices=["improvement", "regret"], default="improvement",
                   help="improvement: drop of the episode's best regret (deg); regret: the env's "
                        "-|twist - target| per evaluation")
    p.add_argument("--n-envs", type=int, default=1, help="environments stepped in lockstep")
    p.add_argument("--algo-option", action="append", metavar="KEY=VALUE",
                   help="stable-baselines3 keyword argument, JSON value (repeatable), e.g. "
                        "n_steps=256 or policy_kwargs='{\"net_arch\": [64, 64]}'")
    p.add_argument("--backend-option", action="append", metavar="KEY=VALUE",
                   help="surrogate option (repeatable)")
    p.add_argument("--out", type=Path, default=Path("runs/rl"), help="output folder")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vdwgym.rl.training import TrainConfig, train

    config = TrainConfig(
        algo=args.algo, steps=args.steps, seed=args.seed, budget=args.budget,
        tolerance_deg=args.tolerance, target_range_deg=tuple(args.target_range), reward=args.reward,
        n_envs=args.n_envs,
        algo_kwargs=parse_options(args.algo_option, "--algo-option"),
        backend_options=parse_options(args.backend_option, "--backend-option"))
    bar = tqdm(total=config.steps, desc=f"train {config.algo}", unit="step", file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5)

    def progress(env_steps: int) -> None:
        bar.update(min(env_steps, config.steps) - bar.n)

    try:
        result = train(config, args.out, progress=progress)
    finally:
        bar.close()
    print(f"policy      {result.policy_path}\n"
          f"record      {result.meta_path}\n"
          f"env steps   {result.env_steps} ({result.episodes} episodes)\n"
          f"wall time   {result.wall_s:.1f} s")
    return 0
