"""Benchmarks of agents on identical seeds: ``vdwgym bench CONFIG.toml``."""

from vdwgym.bench.config import AgentSpec, BenchConfig, RunSpec, load_config
from vdwgym.bench.report import write_bench_report
from vdwgym.bench.runner import load_runs, run_benchmark

__all__ = ["AgentSpec", "BenchConfig", "RunSpec", "load_config", "load_runs", "run_benchmark",
           "write_bench_report"]
