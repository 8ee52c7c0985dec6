"""The README stays true: generated tables current, file listings equal to the files, help texts."""

from pathlib import Path

import pytest

from sim.present.docs import scenario_keys, stale_blocks
from sim.scenario.config import ScenarioConfig

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"


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


def _listed_files(text: str) -> list[tuple[str, str]]:
    """README code blocks that open with ``# <path>`` of a shipped file: (path, the rest)."""
    import re

    blocks = re.findall(r"```yaml\n# ([\w/.-]+\.yaml)\n(.*?)```", text, flags=re.S)
    return [(path, body) for path, body in blocks if (ROOT / path).is_file()]


def test_readme_listings_of_shipped_files_match_them():
    """A README block headed by a file's path shows that file (after its comment header)."""
    listed = _listed_files((ROOT / "README.md").read_text(encoding="utf-8"))
    assert {p for p, _ in listed} >= {"experiments/cross_channel_coupons.yaml"}
    for path, body in listed:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
        assert body.strip() == "\n".join(lines[first:]).strip(), path


def test_every_option_of_omo_kpis_has_a_help_text(capsys):
    from sim.cli.main import main

    with pytest.raises(SystemExit):
        main(["kpis", "--help"])
    out = capsys.readouterr().out
    assert "a run folder" in out and "as JSON" in out
