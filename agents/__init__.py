"""Agents that propose recrystallization recipes (installed as ``vdwgym.agents``)."""

from vdwgym.agents.base import Agent
from vdwgym.agents.registry import make, names, register

__all__ = ["Agent", "make", "names", "register"]
