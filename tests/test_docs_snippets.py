"""The README's Python snippets (and docs pages whose snippets are self-contained) run as
written, so they cannot rot.  Each file's blocks run in order in one fresh interpreter, in a
scratch directory (snippets write relative paths such as runs/...)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Files whose ```python blocks are complete programs.  The other docs pages' blocks are
#: fragments (they use names such as ``positions`` or ``recipe`` defined in the prose).
EXECUTED = ["README.md", "docs/surrogate.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text())


def test_block_extraction_finds_the_readme_snippets():
    blocks = python_blocks(ROOT / "README.md")
    assert len(blocks) >= 2 and any("gym.make(" in b for b in blocks)


@pytest.mark.parametrize("name", EXECUTED)
def test_snippets_run(name, tmp_path):
    blocks = python_blocks(ROOT / name)
    assert blocks, f"{name} has no python block"
    code = "\n\n".join(blocks)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{name}: snippets failed:\n{proc.stderr[-3000:]}"


PATH_IN_BACKTICKS = re.compile(r"`((?:vdwgym|agents|envs|docs|tests|benchmarks)/[\w/.]*)`")


def test_the_architecture_map_names_only_files_that_exist():
    text = (ROOT / "docs/architecture.md").read_text()
    # the packages the next step creates are named in the prose as future, not in the table
    table = text.split("## One file per noun", 1)[1]
    paths = PATH_IN_BACKTICKS.findall(table)
    assert len(paths) > 20
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"docs/architecture.md names missing paths: {missing}"


def test_no_doc_or_module_points_outside_the_repository():
    texts = [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("vdwgym/**/*.py"),
             *ROOT.glob("agents/*.py"), *ROOT.glob("envs/*.py")]
    bad = [str(p.relative_to(ROOT)) for p in texts
           if "../shared" in p.read_text() or "/work/" in p.read_text()]
    assert not bad
