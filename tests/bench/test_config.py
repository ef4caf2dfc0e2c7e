import pytest

from vdwgym.bench import load_config
from vdwgym.errors import ConfigError

BASE = """
[bench]
name = "t"
budget = 20
seeds = [0, 1]
targets = [8.5, 25.0]
batch_sizes = [5, 10]
[[agents]]
name = "random"
[[agents]]
name = "random"
label = "sobol"
options = { method = "sobol" }
"""


def test_grid_order_and_ids(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(BASE)
    cfg = load_config(p)
    runs = cfg.runs()
    assert len(runs) == 2 * 2 * 2 * 2
    assert len({r.run_id for r in runs}) == len(runs)
    cc = cfg.campaign_config(runs[-1])
    assert cc.agent_options == {"method": "sobol"} and not cc.stop_at_target
    assert load_config(p, seeds=[7], budget=30).runs()[0].seed == 7


@pytest.mark.parametrize("text,match", [
    (BASE.replace('name = "random"\n[[agents]]', 'name = "nope"\n[[agents]]', 1), "nope"),
    (BASE.replace("budget = 20", "budget = 20\nbudgets = 3"), "unknown"),
    (BASE.replace("seeds = [0, 1]", "seeds = []"), "seeds"),
    (BASE.replace('label = "sobol"\n', ""), "unique labels"),
    (BASE.replace("targets = [8.5, 25.0]", "targets = [45.0]"), "target_deg"),
    (BASE.replace("[bench]", "[bench"), "c.toml"),
])
def test_bad_configs_name_the_problem(tmp_path, text, match):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_config(p)


@pytest.mark.parametrize(("line", "message"), [
    ("batch_sizes = [2.7]", r"bench.batch_sizes.0: expected a valid integer, got 2.7"),
    ("seeds = [1.5]", r"bench.seeds.0: expected a valid integer, got 1.5"),
    ("seeds = [true]", r"bench.seeds.0: expected a valid integer, got True"),
])
def test_non_integers_are_refused_before_anything_runs(tmp_path, line, message):
    """Issue 13, defect 10: these used to crash after the campaigns ran, or become 1."""
    path = tmp_path / "b.toml"
    fields = {"seeds": "seeds = [0]", "targets": "targets = [8.5]", "batch_sizes": "batch_sizes = [2]"}
    fields[line.split(" =")[0]] = line
    path.write_text("[bench]\n" + "\n".join(fields.values()) + "\n[[agents]]\nname = \"random\"\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
