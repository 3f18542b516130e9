"""The `warta` command: a thin layer over the Python API.

Each command parses its flags, builds `Settings`, calls one API function and
formats the result. stdout carries data only; logs and summaries go to stderr.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

import click

from warta.errors import WartaError
from warta.model import Article, Provenance, Reason, Rejected
from warta.settings import DedupSettings, Settings


class _Group(click.Group):
    """Turns a `WartaError` into `Error: <message>` and exit code 1 (traceback only with -vv)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WartaError as exc:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="warta")
@click.option(
    "-v", "--verbose", count=True, help="More logging on stderr (-vv: debug, tracebacks)."
)
def main(verbose: int) -> None:
    """warta: clean, deduplicate and search Indonesian online news.

    Example: warta clean ../shared/samples/000_fa0db1606fa02f66.txt --format text
    """
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def settings_options(f: Any) -> Any:
    """The options every command that cleans captures shares."""
    options = [
        click.option("--zone", "default_zone", default="WIB", show_default=True,
                     help="Zone for times printed without one: WIB, WITA, WIT or +07:00."),
        click.option("--date-order", type=click.Choice(["DMY", "MDY"]), default="DMY",
                     show_default=True, help="How to read an ambiguous numeric date."),
        click.option("--patterns", multiple=True, type=click.Path(dir_okay=False),
                     help="Extra boilerplate pattern file (TOML); may be repeated."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=Settings().max_bytes,
                     show_default=True,
                     help="Reject a capture or dataset record larger than this (bytes)."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def dedup_options(f: Any) -> Any:
    """The dedup thresholds (`warta build` and `warta dedup`); defaults in docs/dedup.md."""
    d = DedupSettings()

    def not_nan(ctx: click.Context, param: click.Parameter, value: float) -> float:
        """Refuse NaN, which click's FloatRange lets through (it fails no comparison)."""
        if math.isnan(value):
            raise click.BadParameter(f"{value} is not in the range 0<=x<=1.")
        return value

    options = [
        click.option("--jaccard", type=click.FloatRange(0, 1), default=d.jaccard,
                     show_default=True, callback=not_nan,
                     help="Copies: estimated word-shingle Jaccard >= this."),
        click.option("--containment", type=click.FloatRange(0, 1), default=d.containment,
                     show_default=True, callback=not_nan,
                     help="...or the shorter text this much inside the longer (shortened copy)."),
        click.option("--min-jaccard", type=click.FloatRange(0, 1), default=d.min_jaccard,
                     show_default=True, callback=not_nan,
                     help="Jaccard floor of the containment rule."),
        click.option("--min-words", type=click.IntRange(min=1), default=d.min_words,
                     show_default=True, help="Shorter texts are never matched by MinHash."),
        click.option("--max-cluster", type=click.IntRange(min=2), default=d.max_cluster,
                     show_default=True, help="Refuse merges that make a bigger cluster."),
        click.option("--bands", type=click.IntRange(min=1), default=d.bands, show_default=True,
                     help="LSH bands (on a store already clustered with others: warta dedup "
                          "--reset)."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def make_dedup_settings(enabled: bool = True, **given: Any) -> DedupSettings:
    """DedupSettings from the dedup options."""
    try:
        return DedupSettings(enabled=enabled, **given)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def entities_option(f: Any) -> Any:
    """`--entities`: run the entity tagger (people, organisations, places)."""
    return click.option(
        "--entities/--no-entities", "entities", default=False, show_default=True,
        help="Find people, organisations and places (slower: the tagger is the costliest step).",
    )(f)  # fmt: skip


def make_settings(
    default_zone: str, date_order: str, patterns: tuple[str, ...], max_bytes: int
) -> Settings:
    """Settings from the shared options."""
    order: Literal["DMY", "MDY"] = "MDY" if date_order == "MDY" else "DMY"
    return Settings(
        default_zone=default_zone, date_order=order, patterns=patterns, max_bytes=max_bytes
    )


@main.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="JSON Lines (one object per article) or a readable view.",
)
@click.option("--url", default=None, help="The page URL (one capture), gives the outlet.")
@click.option("--outlet", default=None, help="The outlet name, when the URL does not give it.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@settings_options
@entities_option
def clean(
    paths: tuple[str, ...],
    fmt: str,
    url: str | None,
    outlet: str | None,
    quiet: bool,
    default_zone: str,
    date_order: str,
    patterns: tuple[str, ...],
    max_bytes: int,
    entities: bool,
) -> None:
    """Clean captures into articles, one JSON object per line on stdout.

    PATHS are capture files, folders or .zip/.tar archives of them (.txt, .html,
    optionally .gz, .zst, .bz2 or .xz; a site mirror's pages saved under other
    names when they open like HTML); `-` or nothing reads one capture from standard input. A
    capture that cannot become an article is written as {"rejected": true,
    "reason": ...}; nothing is dropped. A path that does not exist is an error (nothing is cleaned).

    Example: warta clean captures/ > articles.jsonl
    """
    from warta.pipeline import Cleaner
    from warta.readers import existing

    for given in paths:  # as in warta build: a mistyped path is an error, not a reject
        if given != "-":
            existing(given)
    settings = replace(make_settings(default_zone, date_order, patterns, max_bytes),
                       entities=entities)  # fmt: skip
    cleaner = Cleaner(settings)
    counts: Counter[str] = Counter()
    written = 0
    for source, data in _read_captures(paths or ("-",), max_bytes):
        if isinstance(data, Rejected):
            result: Article | Rejected = data
        else:
            result = cleaner(data, source=source, url=url, outlet=outlet)
        if isinstance(result, Rejected):
            counts[str(result.reason)] += 1
        else:
            written += 1
        click.echo(_format_text(result) if fmt == "text" else _json_line(result))
    if not quiet:
        click.echo(summary_line(written + sum(counts.values()), written, counts), err=True)


def summary_line(read: int, written: int, rejected: Counter[str], verb: str = "written") -> str:
    """`read 3 | written 2 | rejected 1 (empty_body 1)`."""
    total = sum(rejected.values())
    line = f"read {read} | {verb} {written} | rejected {total}"
    if total:
        line += " (" + ", ".join(f"{k} {v}" for k, v in sorted(rejected.items())) + ")"
    return line


def _read_captures(
    paths: tuple[str, ...], max_bytes: int
) -> Iterator[tuple[str, bytes | Rejected]]:
    """Each capture file under `paths` as raw bytes; a file that cannot be read is a `Rejected`."""
    from warta.readers import archive_captures, cannot_read, is_capture, read_capture
    from warta.readers.archives import archive_format

    for given in paths:
        if given == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
            if len(data) > max_bytes:  # read no further: its true size is not known
                # the hash of what was read stands in for a name, as for any standard input
                where = Provenance("-", "", hashlib.sha256(data).hexdigest())
                detail = f"more than {max_bytes:,} bytes is over the limit of {max_bytes:,}"
                yield "-", Rejected(where, "read", Reason.TOO_LARGE, detail + " (--max-bytes)")
            else:
                yield "-", data
            continue
        path = Path(given)
        if path.is_file() and archive_format(path.name):  # its captures, as a build reads them
            for item in archive_captures(path, given, max_bytes):
                if isinstance(item, Rejected):
                    yield item.provenance.source, item
                else:
                    yield item.source, cast(bytes, item.data)
            continue
        # In a folder, what is not a folder is a capture by its name, as `warta build` reads
        # it: a named pipe there, or a broken link, is a reject (a named path is read as it
        # is: `warta clean <(curl ...)` is a pipe).
        files = sorted(p for p in path.rglob("*") if not p.is_dir() and is_capture(p)
                       ) if path.is_dir() else [path]  # fmt: skip
        for file in files:
            name = given if file == path else str(file)
            try:
                size = file.stat().st_size
            except OSError as exc:
                yield name, cannot_read(name, exc)
                continue
            yield name, read_capture(file, name, max_bytes, size, any_file=file == path)


def _json_line(result: Article | Rejected) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


def _format_text(result: Article | Rejected) -> str:
    """A readable view of one article (or why there is none)."""
    if isinstance(result, Rejected):
        return f"✗ {result.provenance.source}: rejected ({result.reason}) {result.detail}\n"
    d = result.to_dict()
    lines = [f"# {d['title'] or '(no title)'}"]
    facts = [
        f"published: {d['published_at'] or '-'} ({d['published_at_source'] or 'unknown'})",
        f"lang: {d['lang'] or '-'}",
        f"outlet: {d['outlet'] or '-'}",
    ]
    if d["place"]:
        facts.append(f"place: {d['place']}")
    if d["authors"]:
        facts.append("by: " + ", ".join(d["authors"]))
    lines += ["  ".join(facts), f"source: {d['source']}", "", d["text"], ""]
    if result.removed:
        lines.append(f"removed ({len(result.removed)}):")
        for r in result.removed:
            text = r.text if len(r.text) <= 90 else r.text[:87] + "..."
            lines.append(f"  {r.reason:<13} {text}")
    for w in result.warnings:
        lines.append(f"warning: {w}")
    if result.timeline:
        lines.append(f"timeline ({len(result.timeline)}):")
        for m in result.timeline:
            lines.append(f"  {m.value:<20} {m.type:<8} {m.text}")
    if result.entities:
        lines.append(f"entities ({len(result.entities)}):")
        for e in result.entities:
            lines.append(f"  {e.type:<13} {e.text}")
    return "\n".join(lines) + "\n"


@main.group(name="eval")
def eval_group() -> None:
    """Score warta against data with known answers, next to a baseline tool.

    Example: warta eval html ../shared/eval/html/anpandu
    """


@eval_group.command(name="html")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--pages/--no-pages",
    default=True,
    show_default=True,
    help="Print a line per page, not only the totals.",
)
@settings_options
def eval_html(
    folders: tuple[str, ...],
    pages: bool,
    default_zone: str,
    date_order: str,
    patterns: tuple[str, ...],
    max_bytes: int,
) -> None:
    """Score HTML cleaning on pages with expected output, and plain trafilatura beside it.

    FOLDERS use the anpandu layout (pages + expected.json) or the fundus layout
    (one folder per page with meta.info and the publisher's .json). Scores: title
    exact, instant to the minute, body token precision/recall/F1, catalogue
    boilerplate left in the body.

    Example: warta eval html ../shared/eval/html/anpandu ../shared/eval/html/fundus-mediaindonesia
    """  # fmt: skip
    from warta.evaluate_html import evaluate  # trafilatura is imported only for this command
    from warta.pipeline import Cleaner

    cleaner = Cleaner(make_settings(default_zone, date_order, patterns, max_bytes))
    report = evaluate(folders, cleaner)
    if pages:
        click.echo(f"{'page':<34} {'tool':<11} title instant    P     R    F1  residue")
        for ours, theirs in zip(report.warta, report.baseline, strict=True):
            for tool, s in (("warta", ours), ("trafilatura", theirs)):
                left = ",".join(s.residue) or "-"
                if s.rejected:
                    left = f"rejected: {s.rejected}"
                click.echo(f"{s.name[:34]:<34} {tool:<11} {_mark(s.title_ok):^5} "
                           f"{_mark(s.instant_ok):^7} {s.precision:5.3f} {s.recall:5.3f} "
                           f"{s.f1:5.3f}  {left}")  # fmt: skip
        click.echo("")
    for summary in report.summaries():
        click.echo(
            f"{summary.tool:<11} pages {summary.pages}"
            f"  title exact {summary.titles}/{summary.pages}"
            f"  instant (minute) {summary.instants}/{summary.pages}"
            f"  day {summary.days}/{summary.pages}  P {summary.precision:.3f}"
            f"  R {summary.recall:.3f}  F1 {summary.f1:.3f}"
            f"  boilerplate left in {summary.residue_pages} page(s)"
        )


@eval_group.command(name="timex")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def eval_timex(folder: str) -> None:
    """Score the timeline on TimeML gold files, and dateparser's search_dates beside it.

    FOLDER holds TimeML files (Windows-1252, inline TIMEX3 tags, <DCT>). Scores:
    span precision/recall/F1 (overlapping spans match) and value accuracy on the
    matched spans. dateparser's datetimes are compared at the gold value's precision.

    Example: warta eval timex ../shared/eval/timex/indotimex-kompas/gold
    """
    from warta.evaluate_timex import evaluate_dir  # dateparser is imported only here

    report = evaluate_dir(Path(folder))
    click.echo(f"documents {report.documents}  gold mentions {report.warta.gold}")
    click.echo(f"{'system':<11} {'found':>5} {'match':>5}     P     R    F1  value acc")
    for s in (report.warta, report.baseline):
        click.echo(f"{s.system:<11} {s.predicted:>5} {s.matched:>5} {s.precision:5.3f} "
                   f"{s.recall:5.3f} {s.f1:5.3f}  {s.value_accuracy:5.3f}")  # fmt: skip


def _mark(ok: bool) -> str:
    return "ok" if ok else "-"


# --- corpus runs: build, export, rejects, stats -------------------------------------------


@main.command(name="build")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--db",
    default="corpus.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The SQLite store (created on first use).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Dataset columns: title=judul,text=isi_berita,published=tanggal (a|b: the "
    "first column present; date+time: joined; case and spaces around a name do not "
    "matter when no column is spelled the same). May be repeated.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: a process pool; ray: Ray Data (pip install 'warta[ray]').",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes, at a lower priority than the build's (default: every CPU).",
)
@click.option("--address", default=None, help="Ray cluster address (with --engine ray).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Also export the store to this folder at the end.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "parquet"]),
    default="jsonl",
    show_default=True,
    help="Export format (with --out).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option(
    "--dedup/--no-dedup",
    "dedup_on",
    default=True,
    show_default=True,
    help="Cluster copies of one story as they are stored (see warta dedup).",
)
@click.option(
    "--drop-duplicates",
    is_flag=True,
    help="With --out: export only the canonical member of each cluster.",
)
@settings_options
@entities_option
@dedup_options
def build_command(
    paths: tuple[str, ...],
    db: str,
    mapping: tuple[str, ...],
    engine: str,
    workers: int | None,
    address: str | None,
    out: str | None,
    fmt: str,
    quiet: bool,
    default_zone: str,
    date_order: str,
    patterns: tuple[str, ...],
    max_bytes: int,
    entities: bool,
    dedup_on: bool,
    drop_duplicates: bool,
    **dedup: Any,
) -> None:
    """Clean every capture and dataset record of PATHS into a store.

    PATHS are capture files or folders (.txt, .html; a site mirror's pages saved
    under other names, index.php?id=3, when they open like HTML), datasets
    (.jsonl, .json, .csv/.tsv, .parquet) and web archives (.warc, .warc.gz,
    .warc.wet.gz), optionally .gz, .zst, .bz2 or .xz; and .zip, .tar, .tar.gz,
    .tgz, .tar.bz2 or .tar.xz archives of captures and datasets, read without
    unpacking them. A killed build started again with the same command
    resumes; running it again adds nothing. Numeric dates in a dataset column
    are read in the order the column shows (10/21/2025: month first) unless
    --date-order is given. New articles are clustered with their copies in the
    store as they are stored (--no-dedup: later, with warta dedup).

    Example: warta build captures/ data_berita.csv --map title=judul,text=isi_berita --db corpus.db
    """
    if address and engine != "ray":  # the local engine would run without a word about it
        raise click.UsageError("--address is the Ray cluster's: give it with --engine ray")
    from warta.forkserver import local_workers, start_fork_server

    if engine != "ray" and local_workers(workers) > 1:
        # Before the build's imports (0.4 s): the server loads the models meanwhile, and the
        # first chunk goes to a worker without waiting for it (LocalEngine.start: a no-op).
        start_fork_server()

    from warta.build import Interrupted, build
    from warta.export import check_out

    if out:  # before the build: an --out that cannot be written would fail only after it
        check_out(out, "parquet" if fmt == "parquet" else "jsonl")

    ctx = click.get_current_context()
    explicit = ctx.get_parameter_source("date_order") != click.core.ParameterSource.DEFAULT
    settings = replace(make_settings(default_zone, date_order, patterns, max_bytes),
                       entities=entities, dedup=make_dedup_settings(dedup_on, **dedup))  # fmt: skip
    try:
        with _progress_bar(quiet) as on_progress:
            stats = build(
                paths, db, settings=settings, mapping=mapping,
                date_order=settings.date_order if explicit else None,
                engine="ray" if engine == "ray" else "local", workers=workers, address=address,
                on_progress=on_progress,
            )  # fmt: skip
    except Interrupted as stop:  # Ctrl-C: the store holds every chunk stored whole
        if not quiet:
            click.echo(_build_line(stop.stats), err=True)
        s = stop.stats
        _interrupted(f"run {s.run_id} stored {s.stored} articles and {s.rejected} rejects"
                     " before it stopped; run the same command again to resume")  # fmt: skip
    except KeyboardInterrupt:  # before its run began (or as it ended)
        _interrupted("the build stopped, every chunk it stored kept; run the same command"
                     " again to go on")  # fmt: skip
    if not quiet:
        click.echo(_build_line(stats), err=True)
    if not stats.conserved:
        raise WartaError(f"run {stats.run_id}: records read != stored + rejected (see warta stats)")
    if out:
        _export(db, out, fmt, quiet, drop_duplicates)


def _interrupted(what: str) -> NoReturn:
    """Ctrl-C: `Interrupted: what` on stderr, and exit code 130 (128 + SIGINT, as a shell
    gives a command it interrupts)."""
    click.echo(f"Interrupted: {what}", err=True)
    click.get_current_context().exit(130)


def _build_line(stats: Any) -> str:
    """The summary of a build: `read 4 | stored 3 | rejected 1 (not_text 1) | ... | store ...`."""
    line = summary_line(stats.read, stats.stored, Counter(stats.reasons), verb="stored")
    if stats.resumed or stats.inputs_done:
        line += f" | resumed: {stats.resumed} records, {stats.inputs_done} inputs done before"
    if stats.already:
        line += f" | already stored {stats.already}"
    if stats.dedup is not None:
        line += f" | dedup: {stats.dedup.joined} joined a cluster"
    return f"{line} | store {stats.articles} articles, {stats.rejects} rejects"


@main.command(name="export")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for articles.<format> and rejects.<format>.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
@click.option(
    "--drop-duplicates",
    is_flag=True,
    help="Only the canonical member of each dedup cluster (others stay in the store).",
)
def export_command(db: str, out: str, fmt: str, quiet: bool, drop_duplicates: bool) -> None:
    """Export a store's articles and rejects as JSON Lines or Parquet.

    Example: warta export --db corpus.db --out corpus/ --format parquet
    """
    _export(db, out, fmt, quiet, drop_duplicates)


@main.command(name="dedup")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--reset",
    is_flag=True,
    help="Forget stored signatures and clusters and cluster the whole store again.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
@dedup_options
def dedup_command(db: str, reset: bool, quiet: bool, **dedup: Any) -> None:
    """Cluster copies of one story across outlets in an existing store.

    Only articles without a cluster are fingerprinted; they are matched against
    every cluster already stored. Each article gets `cluster` and `canonical`
    (the earliest publisher); nothing is deleted (export --drop-duplicates).

    Example: warta dedup --db corpus.db --containment 0.8
    """
    from warta.dedup import deduplicate

    stats = deduplicate(db, make_dedup_settings(**dedup), reset=reset)
    if not quiet:
        click.echo(_dedup_line(stats), err=True)


@main.command(name="show")
@click.argument("article_id")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The members as JSON Lines.")
def show_command(article_id: str, db: str, as_json: bool) -> None:
    """Show an article and every copy of its story: outlet, url and time (* = canonical).

    Example: warta show 3af5da741be0fee3 --db corpus.db
    """
    from warta.dedup import find_cluster

    members = find_cluster(db, article_id)
    if as_json:
        for m in members:
            click.echo(json.dumps(m, ensure_ascii=False))
        return
    me = next(m for m in members if m["id"] == article_id)
    click.echo(f"# {me['title'] or '(no title)'}")
    click.echo(f"outlet: {me['outlet'] or '-'}  published: {me['published_at'] or '-'}"
               f"  id: {me['id']}")  # fmt: skip
    click.echo(f"cluster {me['cluster'] or '- (not deduplicated yet: warta dedup)'}: "
               f"{len(members)} member(s)")  # fmt: skip
    for m in members:
        mark = "*" if m["canonical"] else " "
        when, outlet = m["published_at"] or "-", m["outlet"] or "-"
        click.echo(f"{mark} {when:<25} {outlet:<22} {m['url'] or m['id']}")


@main.command(name="rejects")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--reason",
    type=click.Choice([str(r) for r in Reason]),
    default=None,
    help="Only rejects of this reason.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def rejects_command(db: str, reason: str | None, as_json: bool) -> None:
    """List the records a build could not turn into articles, with where they are and why.

    One line per reject: where, reason and detail, separated by tabs; a tab,
    newline or other control character inside a field is written as an escape
    (\\t, \\n, \\x1b). --json gives the values as they are.

    Example: warta rejects --db corpus.db --reason parse_error
    """
    from warta.readers import where
    from warta.store import open_store

    # a file name may hold a tab or a newline: escaped, each reject stays one line of 3 fields
    escapes = {c: f"\\x{c:02x}" for c in (*range(32), 127)} | {9: "\\t", 10: "\\n", 13: "\\r"}
    with open_store(db, readonly=True) as store:
        for r in store.rejects(reason):
            if as_json:
                click.echo(json.dumps(r, ensure_ascii=False))
            else:
                fields = (where(r["source"], r["locator"] or ""), r["reason"], r["detail"])
                click.echo("\t".join(f.translate(escapes) for f in fields))


@main.command(name="stats")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
def stats_command(db: str) -> None:
    """Print a store's counts (articles by outlet and language, rejects by reason) as JSON.

    Example: warta stats --db corpus.db
    """
    from warta.store import open_store

    with open_store(db, readonly=True) as store:
        click.echo(json.dumps(store.summary(), ensure_ascii=False, indent=2))


def _dedup_line(s: Any) -> str:
    """`dedup 1000 articles | 178 copies verified of 4542 candidates | 269 joined a cluster`."""
    line = (f"dedup {s.articles} articles | {s.verified} copies verified of {s.candidates}"
            f" candidates | {s.joined} joined a cluster")  # fmt: skip
    return line + (f" | {s.refused} merges refused (--max-cluster)" if s.refused else "")


def _export(db: str, out: str, fmt: str, quiet: bool, drop_duplicates: bool = False) -> None:
    from warta.export import export

    try:
        done = export(db, out, "parquet" if fmt == "parquet" else "jsonl",
                      drop_duplicates=drop_duplicates)  # fmt: skip
    except KeyboardInterrupt:  # export removes its partial files as it stops
        _interrupted(f"the export to {out} stopped, no partial file left; run it again")
    if not quiet:
        click.echo(f"exported {done.article_rows} articles to {done.articles}, "
                   f"{done.reject_rows} rejects to {done.rejects}", err=True)  # fmt: skip
    if done.damaged:  # each named in a warning above
        click.echo(f"left out {len(done.damaged)} damaged article(s): see the warnings",
                   err=True)  # fmt: skip


@contextlib.contextmanager
def _progress_bar(quiet: bool) -> Iterator[Callable[[Any], None] | None]:
    """A rich progress bar on stderr (docs/s, and an ETA from the input size); None when quiet."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return

    columns = (TextColumn("build"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TextColumn("{task.fields[docs]} docs, {task.fields[rate]} docs/s"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("build", total=None, docs=0, rate="-")

        def update(p: Any) -> None:
            rate = f"{p.records / p.elapsed:,.0f}" if p.elapsed > 0 else "-"
            bar.update(task, total=p.bytes_total or None, completed=p.bytes_done,
                       docs=f"{p.records:,}", rate=rate)  # fmt: skip

        yield update


# --- reading the corpus: search, serve ----------------------------------------------------


class _Day(click.ParamType[date, Any]):
    """A day of a search filter: `2025-06-01` or `20250601`, as the search page and the API
    take it (`warta.search.parse_day`)."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from warta.search import parse_day

        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@main.command(name="search")
@click.argument("query", default="")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--outlet", default=None, help="Only this outlet (as stored; any case; - for none, as stats)."
)
@click.option(
    "--since",
    type=_Day(),
    default=None,
    help="Only articles published on or after this day (YYYY-MM-DD or YYYYMMDD).",
)
@click.option(
    "--until",
    type=_Day(),
    default=None,
    help="Only articles published on or before this day (YYYY-MM-DD or YYYYMMDD).",
)
@click.option(
    "--mentions-between",
    nargs=2,
    type=_Day(),
    default=None,
    metavar="START END",
    help="Only articles whose timeline mentions a day in range.",
)
@click.option("--entity", default=None, help="Only articles naming this entity (exact text).")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Hits to show (at most 1000, warta.search.MAX_LIMIT).",
)
@click.option(
    "--offset",
    type=click.IntRange(0, 1_000_000),
    default=0,
    help="Hits to skip first (at most 1000000, warta.search.MAX_OFFSET).",
)
@click.option("--newest", is_flag=True, help="Newest first instead of best match first.")
@click.option("--no-stem", is_flag=True, help="Match words only as typed (no Sastrawi stems).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def search_command(
    query: str,
    db: str,
    outlet: str | None,
    since: date | None,
    until: date | None,
    mentions_between: tuple[date, date] | None,
    entity: str | None,
    limit: int,
    offset: int,
    newest: bool,
    no_stem: bool,
    as_json: bool,
) -> None:
    """Full-text search of a store, best match first, with the matches highlighted.

    QUERY is words (all must match; membahas also finds bahas and dibahas),
    "quoted phrases", OR between two words, word* for a prefix of the printed
    word (a query with one is matched as printed, without stems), NOT word or
    -word to leave out (a QUERY that starts with - goes after --: warta search
    -- '-jokowi presiden'), and title:word or text:word for one field. With no
    QUERY, a filter alone lists its articles newest first
    (warta search --mentions-between 2022-01-01 2022-01-31: the articles that
    talk about those days). When more than 500 articles match, BM25 ranks 500
    candidates first: those with the words in the title, then the most recently
    stored (docs/search.md).

    Example: warta search 'membahas anggaran' --db corpus.db --since 2025-06-01 --newest
    """
    from warta.search import search

    hits = search(
        db, query, outlet=outlet, since=since, until=until,
        mentions_between=mentions_between,
        entity=entity, newest=newest, limit=limit, offset=offset, stem=not no_stem,
    )  # fmt: skip
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        return
    color = sys.stdout.isatty()
    for hit in hits:
        when = (hit.published_at or "-")[:16].replace("T", " ")
        title = _marked(hit.title or "(no title)", hit.title_highlights, color)
        click.echo(f"{hit.id}  {when:<16}  {hit.outlet or '-'}  {title}")
        click.echo(f"    {_marked(hit.snippet, hit.highlights, color)}")
    if not hits:
        click.echo("no articles match", err=True)


@main.command(name="serve")
@click.option("--db", default="corpus.db", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. The server has no login: keep it on loopback.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes, sharing the port (default: one per available CPU, at most 8).",
)
def serve_command(db: str, host: str, port: int, workers: int | None) -> None:
    """Serve a store read-only: search, article and corpus pages, and a JSON API under /api/.

    Example: warta serve --db corpus.db --port 8000   (then open http://127.0.0.1:8000/search)
    """
    from warta.web.server import default_workers, serve

    workers = workers or default_workers()

    def ready(url: str) -> None:  # once the store is open and the port free
        click.echo(f"serving {db} at {url}/search with {workers} worker"
                   f"{'s' if workers > 1 else ''} (Ctrl+C stops)", err=True)  # fmt: skip

    serve(db, host=host, port=port, workers=workers, ready=ready)


def _marked(text: str, spans: Any, color: bool) -> str:
    """Text with its matched words bold (on a terminal) or [bracketed] (in a pipe)."""
    from warta.search import segments

    return "".join(
        (click.style(p, bold=True, fg="yellow") if color else f"[{p}]") if hit else p
        for p, hit in segments(text, spans)
    )


@eval_group.command(name="ner")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def eval_ner(path: str) -> None:
    """Score the shipped entity tagger on a BIO-tagged file.

    PATH (UTF-8) has one token per line with its tag in the last column (O, or
    PER/ORG/LOC or PERSON/ORGANIZATION/LOCATION with B-/I- prefixes) and a blank
    line between sentences; a line without a tag is an error, and a tag of
    another type (B-TIME) is scored as O with a warning. Prints entity-level
    precision, recall and F1 per type and overall (micro, exact span and type).

    Example: warta eval ner ../shared/eval/ner/idner-news-2k/dev.txt
    """
    from warta.entities import main_eval  # loads the tagger only for this command

    click.echo(main_eval(path))
