"""vdwgym list: one line per registered agent, backend, engine, potential and preset."""

from __future__ import annotations

from vdwgym import agents
from vdwgym.backends.registry import backend_names
from vdwgym.cli import main
from vdwgym.engines import ENGINES
from vdwgym.md.potentials import potential_names
from vdwgym.md.protocol import PRESETS


def test_list_names_everything_once_with_a_description(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    sections = {}
    current = None
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.rstrip(":")
            sections[current] = {}
        else:
            name, _, text = line.strip().partition("  ")
            sections[current][name] = text.strip()
    assert set(sections["agents"]) == set(agents.names())
    assert set(sections["backends"]) == set(backend_names())
    assert set(sections["engines"]) == set(ENGINES)
    assert set(sections["potentials"]) == set(potential_names())
    assert set(sections["presets"]) == set(PRESETS)
    assert all(text for rows in sections.values() for text in rows.values())
    assert "Thompson" in sections["agents"]["ts"]
    assert sections["presets"]["smoke"].startswith("4x4 2H bilayer")


def test_list_one_kind(capsys):
    assert main(["list", "engines"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "engines:" and "agents:" not in out
