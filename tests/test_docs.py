"""The README's scenario reference is generated from the schema and must stay current."""

from pathlib import Path

from sim.present.docs import scenario_keys, stale_blocks
from sim.scenario.config import ScenarioConfig

README = Path(__file__).parents[1] / "README.md"


def test_readme_generated_tables_are_current():
    """Fails when a scenario key or a baseline behaviour value changes without
    `python -m sim.present.docs README.md` (the key reference and the behaviour table)."""
    assert stale_blocks(README.read_text(encoding="utf-8")) == []


def test_every_leaf_key_is_documented_with_a_description():
    """Each scenario key appears once in the reference and says what it means."""
    rows = scenario_keys()
    paths = [r[0] for r in rows]
    assert len(paths) == len(set(paths))
    undocumented = [r[0] for r in rows if not r[3]]
    assert undocumented == []
    for section in ScenarioConfig.model_fields:
        assert any(p == section or p.startswith(section + ".") for p in paths), section
