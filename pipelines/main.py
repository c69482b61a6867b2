"""`safe-outcomes`: the command line (`run`, `report`, `export`, `sources`) in front of the Dagster instance.

Each command checks every setting in the environment after applying its options (an option sets its variable for
this process and the child it supervises, so it overrides the environment); a bad one stops it before any run,
exit 2, with what to type instead. The work happens in a child process it supervises (`pipelines/supervisor.py`,
`pipelines/work.py`). Another command is one more `cli.add_command(...)`.

Only click is imported up front, so that `--help` answers at once; a command imports Dagster when it runs.
"""

import sys
from collections.abc import Callable
from pathlib import Path

import click

VERBOSITY = ("quiet", "normal", "verbose")
# The setting each option overrides.
OPTIONS = {
    "SAFE_OUTCOMES_COUNCIL": "--council",
    "SAFE_OUTCOMES_SOURCE_MODE": "--live",
    "SAFE_OUTCOMES_REPORT_PERIOD_END": "--period-end",
}


def _start(work: str, options: dict[str, str], verbosity: str, needs_snapshot: bool = False) -> None:
    """Check the settings, then run `work` in a supervised child; exit with its code."""
    from pipelines.settings import current_value, setting_problems
    from pipelines.supervisor import supervise

    problems = setting_problems(options)
    for name in options:  # a problem with an option's value is named as the operator typed it
        problems = [problem.replace(f"{name}=", f"{OPTIONS[name]} ({name}) ") for problem in problems]
    if problems:
        print("safe-outcomes: no run started; fix these first:", file=sys.stderr)
        for problem in problems:
            print(" - " + problem, file=sys.stderr)
        sys.exit(2)
    published = Path(current_value("SAFE_OUTCOMES_PUBLISHED"))
    if needs_snapshot and not published.is_file():
        print(
            f"safe-outcomes: no published snapshot at {published} yet: run `safe-outcomes run` first", file=sys.stderr
        )
        sys.exit(1)
    sys.exit(supervise(["work", work, "--output", verbosity], published))


COUNCIL = click.option(
    "--council",
    metavar="CODE",
    help="The council's GSS code, e.g. E06000059 (Dorset); overrides SAFE_OUTCOMES_COUNCIL.",
)


def _verbosity(quiet: bool, verbose: bool) -> str:
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    return "quiet" if quiet else "verbose" if verbose else "normal"


def _verbosity_options(command: Callable) -> Callable:
    command = click.option(
        "--verbose", is_flag=True, help="Also print every Dagster event (they are always in the run's event log)."
    )(command)
    return click.option("--quiet", is_flag=True, help="Print only waits, failures and the summary.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Safe outcomes: public sources and the council's own returns -> checks -> DuckDB warehouse -> indicators,
    the published snapshot, its exports and the Outcomes Monitoring Report.

    Settings come from the environment (README, "Settings"); a command's options override them.
    """


@cli.command(short_help="Run every source, check, indicator, the snapshot and the report.")
@COUNCIL
@click.option("--live", is_flag=True, help="Fetch from the publishers online; overrides SAFE_OUTCOMES_SOURCE_MODE.")
@_verbosity_options
def run(council: str | None, live: bool, quiet: bool, verbose: bool) -> None:
    """Run the main job: every source, check, indicator, the snapshot, the exports and the report.

    Offline on the bundled sample unless --live (or SAFE_OUTCOMES_SOURCE_MODE=live). Only what changed is
    rebuilt. Prints one line per step, then the council's tables and where the report and any problem report are.
    """
    options = {"SAFE_OUTCOMES_COUNCIL": council} if council else {}
    if live:
        options["SAFE_OUTCOMES_SOURCE_MODE"] = "live"
    _start("main", options, _verbosity(quiet, verbose))


@cli.command(short_help="Rebuild only the report from the published snapshot.")
@COUNCIL
@click.option(
    "--period-end",
    metavar="DATE",
    help="The report's period end, YYYY-MM-DD (default: the latest data); overrides SAFE_OUTCOMES_REPORT_PERIOD_END.",
)
@_verbosity_options
def report(council: str | None, period_end: str | None, quiet: bool, verbose: bool) -> None:
    """Rebuild only the report, from the published snapshot (no source is fetched).

    For another council or period than the last run's, e.g. `safe-outcomes report --council E06000054`.
    """
    options = {"SAFE_OUTCOMES_COUNCIL": council} if council else {}
    if period_end is not None:
        options["SAFE_OUTCOMES_REPORT_PERIOD_END"] = period_end
    _start("report", options, _verbosity(quiet, verbose), needs_snapshot=True)


@cli.command(short_help="Publish the snapshot and its exports again.")
@COUNCIL
@_verbosity_options
def export(council: str | None, quiet: bool, verbose: bool) -> None:
    """Publish the snapshot and its exports (Parquet, CSV, the council's workbook) from the warehouse again.

    Only what changed, or an export file that is missing or was edited, is written again.
    """
    _start("export", {"SAFE_OUTCOMES_COUNCIL": council} if council else {}, _verbosity(quiet, verbose), True)


@cli.command(short_help="Ask every publisher what a run would fetch: resolved file, release, status.")
@click.option("--live", is_flag=True, help="Ask the publishers online; overrides SAFE_OUTCOMES_SOURCE_MODE.")
def sources(live: bool) -> None:
    """Resolve every catalogue source as a run does and make one conditional request per file (headers only).

    Prints one table: source, resolved URL, release or version, last modified and ok / changed / unreachable /
    refused with the reason, within a minute even when nothing answers. Exits 1 if any source fails. The first
    step of going live: `safe-outcomes sources --live`.
    """
    import os

    from pipelines.source_status import main as source_status

    if live:
        os.environ["SAFE_OUTCOMES_SOURCE_MODE"] = "live"
    sys.exit(source_status([]))


@cli.command(hidden=True)
@click.argument("job", type=click.Choice(["main", "report", "export"]))
@click.option("--output", type=click.Choice(VERBOSITY), default="normal")
def work(job: str, output: str) -> None:
    """The supervised child (pipelines/supervisor.py): runs the job in this process."""
    from pipelines.settings import setting_problems
    from pipelines.work import run_work

    problems = setting_problems({})
    if problems:  # the parent checked the same environment; a change since then still stops here
        for problem in problems:
            print(" - " + problem, file=sys.stderr)
        sys.exit(2)
    sys.exit(run_work(job, output))


def main(argv: list[str] | None = None) -> int:
    """The `safe-outcomes` console script."""
    return cli.main(args=argv, prog_name="safe-outcomes")


if __name__ == "__main__":
    sys.exit(main())
