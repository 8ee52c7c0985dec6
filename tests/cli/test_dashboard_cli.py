"""``omo dashboard`` refuses bad options before starting anything (exit 2, no traceback)."""

from __future__ import annotations

from sim.cli.main import main


def test_bad_options_exit_2_naming_each(tmp_path, capsys):
    code = main(
        ["dashboard", "--port", "70000", "--population", "5", "--scenario",
         str(tmp_path / "nope.yaml"), "--results", str(tmp_path / "gone")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    for option in ("--port", "--population", "--results", "nope.yaml"):
        assert option in err
    assert "Traceback" not in err


def test_defaults_bind_to_localhost():
    from sim.cli.main import build_parser

    args = build_parser().parse_args(["dashboard"])
    assert args.host == "127.0.0.1"
