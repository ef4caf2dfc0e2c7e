"""Agents that propose recrystallization recipes (installed as ``vdwgym.agents``)."""

from vdwgym.agents.base import Agent
from vdwgym.agents.registry import check, make, names, register, resolve

__all__ = ["Agent", "check", "make", "names", "register", "resolve"]
