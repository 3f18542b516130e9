"""The command line: documented commands, the JSON contract, one-line errors."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from conftest import SAMPLE, SHARED, need_shared
from warta.cli import main

SCHEMA = ["id", "source", "url", "outlet", "title", "published_at", "published_at_source",
          "dateline_raw", "place", "lang", "text", "removed"]  # fmt: skip


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize("path", _commands(main))
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, path


def test_every_command_is_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    for path in _commands(main):
        assert f"warta {' '.join(path)}" in readme, path


def test_clean_writes_the_json_contract() -> None:
    sample = need_shared(SAMPLE)
    result = CliRunner().invoke(main, ["clean", str(sample)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    for key in SCHEMA:
        assert key in row
    assert row["source"] == str(sample)
    assert row["published_at"] == "2021-12-30T19:18:00+07:00"
    assert all({"text", "reason"} <= set(r) for r in row["removed"])
    assert result.stderr.strip() == "read 1 | written 1 | rejected 0"


def test_clean_reads_standard_input() -> None:
    sample = need_shared(SAMPLE)
    result = CliRunner().invoke(main, ["clean", "-", "-q"], input=sample.read_bytes())
    assert result.exit_code == 0
    row = json.loads(result.stdout)
    assert row["source"] == "-" and row["title"].startswith("Biden dan Putin")
    assert result.stderr == ""


def test_text_format_is_readable() -> None:
    sample = need_shared(SAMPLE)
    result = CliRunner().invoke(main, ["clean", str(sample), "--format", "text"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Biden dan Putin Bicara Lewat Telepon")
    assert "removed (10):" in result.stdout


def test_bad_zone_is_a_one_line_error() -> None:
    result = CliRunner().invoke(main, ["clean", "-", "--zone", "Mars"], input=b"x\ny\n")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: unknown time zone 'Mars' (use WIB, WITA, WIT or an offset like +07:00)\n"
    )


def test_bad_pattern_file_is_a_one_line_error(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.toml"
    bad.write_text('[[pattern]]\nregex = "(unclosed"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", "-", "--patterns", str(bad)], input=b"x\ny\n")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad} pattern 1: bad regex")


def test_user_patterns_extend_the_catalogue(tmp_path: object) -> None:
    from pathlib import Path

    mine = Path(str(tmp_path)) / "mine.toml"
    mine.write_text(
        "[[pattern]]\nregex = 'dukung kami di .*'\nscope = 'line'\nreason = 'footer'\n",
        encoding="utf-8",
    )
    capture = (
        b"Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi berita ini.\nDukung kami di Patreon\n"
    )
    plain = CliRunner().invoke(main, ["clean", "-", "-q"], input=capture)
    extended = CliRunner().invoke(
        main, ["clean", "-", "-q", "--patterns", str(mine)], input=capture
    )
    assert "Dukung kami" in json.loads(plain.stdout)["text"]
    row = json.loads(extended.stdout)
    assert "Dukung kami" not in row["text"]
    assert {"text": "Dukung kami di Patreon", "reason": "footer"}.items() <= row["removed"][
        0
    ].items()


def test_entities_are_off_by_default_and_on_when_asked() -> None:
    sample = need_shared(SAMPLE)
    plain = json.loads(CliRunner().invoke(main, ["clean", str(sample), "-q"]).stdout)
    assert plain["entities"] is None
    row = json.loads(CliRunner().invoke(main, ["clean", str(sample), "-q", "--entities"]).stdout)
    found = {(e["text"], e["type"]) for e in row["entities"]}
    assert {("Biden", "PERSON"), ("NATO", "ORGANIZATION"), ("Jenewa", "LOCATION")} <= found
    for e in row["entities"]:
        assert row["text"][e["start"] : e["end"]] == e["text"]


def test_eval_ner_prints_per_type_scores() -> None:
    dev = need_shared(SHARED / "eval" / "ner" / "idner-news-2k" / "dev.txt")
    result = CliRunner().invoke(main, ["eval", "ner", str(dev)])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert {"PERSON", "ORGANIZATION", "LOCATION", "micro"} <= set(lines)
    assert float(lines["micro"].split()[-2]) >= 0.84


def test_build_with_entities_makes_them_searchable(tmp_path: object) -> None:
    from pathlib import Path

    sample = need_shared(SAMPLE)
    db = str(Path(str(tmp_path)) / "e.db")
    built = CliRunner().invoke(main, ["build", str(sample), "--db", db, "--entities", "-q"])
    assert built.exit_code == 0, built.output
    found = CliRunner().invoke(main, ["search", "--db", db, "--entity", "Jenewa", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout.splitlines()[0])["title"].startswith("Biden dan Putin")
    none = CliRunner().invoke(main, ["search", "--db", db, "--entity", "Atlantis", "--json"])
    assert none.exit_code == 0 and none.stdout == ""


def test_a_command_that_cleans_nothing_starts_without_the_pipeline() -> None:
    """`warta search`, `stats` or `--help` import neither the cleaning pipeline nor numpy
    (0.1 against 0.35-0.4 s to start); `warta`'s public names are still all there, each
    imported when it is first asked for."""
    import subprocess
    import sys

    probe = (
        "import sys, warta.cli, warta.search, warta.store.sqlite\n"
        "heavy = ['warta.pipeline', 'warta.enrich', 'warta.build', 'numpy', 'ftfy']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "import warta\n"
        "print(sorted(set(warta.__all__) - set(dir(warta))), warta.Cleaner.__module__)\n"
        "print(all(getattr(warta, name) is not None for name in warta.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()  # fmt: skip
    assert out == ["[]", "[] warta.pipeline", "True"]
    import warta

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        warta.nothing  # noqa: B018  # the error of a missing name, as a module's
