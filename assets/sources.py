"""One asset factory over the source catalogue: a landing and a clean asset per catalogue data set.

Each data set's step fetches its files (the publisher module's `deliveries`), hands them to the one landing flow
(`warehouse.flow`), reports the checks, and publishes to `clean` only when every blocking check passed. The
landing asset materialises only when the publisher's files changed, so its freshness policy says when new data
last arrived; the clean asset materialises on every run with the same data version when nothing changed, so
nothing downstream is ever skipped and an unchanged run rebuilds nothing (the build ledger says so).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb

from assets.common import as_failure, check_result, preview
from assets.reference import areas
from assets.resources import WAREHOUSE_POOL
from checks.rules import Suite
from checks.runner import SuiteResult, run_suite
from sources.http import Downloader
from sources.source_catalogue import Catalogue, CatalogueError, Dataset
from warehouse import builds, flow
from warehouse.publish import publish_partitions


@dataclass
class Landing:
    """What a publisher module is given for one step: the catalogue entry, the run's partitions and resources."""

    context: dg.AssetExecutionContext
    dataset: Dataset
    partitions: list[str]

    @property
    def resources(self) -> Any:
        return self.context.resources

    def downloader(self) -> Downloader:
        return self.resources.publisher.downloader(self.context.run.run_id)


@dataclass(frozen=True)
class CheckDeclaration:
    suffix: str
    blocking: bool
    description: str


@dataclass(frozen=True)
class SourceKind:
    """How one kind of source is fetched, checked and published; the flow between is the same for all."""

    deliveries: Callable[[Landing], list[flow.Delivery]]
    checks: Callable[[Landing], list[flow.Check]]
    tables: Callable[[Dataset], tuple[str, ...]] = lambda dataset: (dataset.table,)
    declared_checks: tuple[CheckDeclaration, ...] = (CheckDeclaration("rules", True, ""),)
    resource_keys: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset({"csv"})
    # Optional: decide "changed" beyond file hashes; publish differently; report more after landing.
    force: Callable[[Landing, duckdb.DuckDBPyConnection, list[flow.Delivery]], bool] | None = None
    validate: Callable[[Landing], flow.Validator] | None = None
    failed: Callable[[Landing, flow.DeliveryError], None] | None = None
    unchanged_results: Callable[[Landing], list[dg.AssetCheckResult]] | None = None
    publish: Callable[[Landing, list[Any]], Callable[[duckdb.DuckDBPyConnection], int]] | None = None
    after: Callable[[Landing, duckdb.DuckDBPyConnection, flow.Outcome], dict[str, Any]] | None = None
    results: Callable[[Landing, flow.Outcome], list[dg.AssetCheckResult]] | None = None
    preview_sql: Callable[[Dataset], str] | None = None


def suite_check(dataset: Dataset, suite: Callable[[duckdb.DuckDBPyConnection], Suite]) -> list[flow.Check]:
    """The data set's blocking check: its suite (built when it runs: the rules may read reference tables) over the
    delivery's partitions of its landing table."""

    def run(con: duckdb.DuckDBPyConnection, partitions: list[Any]) -> SuiteResult:
        return run_suite(con, suite(con), f"list_contains(?, {dataset.partition_column})", [partitions])

    return [flow.Check(f"{dataset.key}_rules", True, run)]


def area_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Codes in `marts.areas`; asked before it exists, DuckDB would scan a Python variable of that name."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'areas'"
    ).fetchall()[0][0]
    if not exists:
        raise CatalogueError("marts.areas is missing: materialise marts/areas first")
    return [row[0] for row in con.execute("select area_code from marts.areas order by 1").fetchall()]


def target_of(dataset: Dataset, kind: SourceKind) -> flow.Target:
    return flow.Target(
        source=dataset.key,
        tables=kind.tables(dataset),
        partition_column=dataset.partition_column,
        coverage=coverage_of(dataset),
    )


def coverage_of(dataset: Dataset) -> tuple[str, ...]:
    """The columns that say what a delivery covers: the data set's own `coverage`, else its publisher's."""
    return tuple(dataset.option("coverage", dataset.publisher.options.get("coverage", ())))


def clean_target(dataset: Dataset) -> str:
    """The ledger's name for a data set's clean rows (its clean asset key)."""
    return f"clean/{dataset.key}"


def source_asset(
    dataset: Dataset,
    kind: SourceKind,
    partitions_def: dg.PartitionsDefinition | None,
    retry_policy: dg.RetryPolicy,
) -> dg.AssetsDefinition:
    """The landing and clean assets of one catalogue data set, materialised by one step."""
    landing_key = dg.AssetKey(["landing", dataset.key])
    clean_key = dg.AssetKey(["clean", dataset.key])
    group = dataset.publisher.key
    checks = [
        dg.AssetCheckSpec(
            f"{dataset.key}_{check.suffix}",
            asset=landing_key,
            blocking=check.blocking,
            description=check.description or dataset.option("check_description", f"{dataset.title}: {check.suffix}"),
        )
        for check in kind.declared_checks
    ]
    if coverage_of(dataset):
        checks.append(
            dg.AssetCheckSpec(
                f"{dataset.key}_complete",
                asset=landing_key,
                blocking=True,
                description=f"every {', '.join(coverage_of(dataset))} in the published rows is still delivered "
                "(a vanished period or area is held back unless SAFE_OUTCOMES_ACCEPT_WITHDRAWN names the data set)",
            )
        )
    provenance = {"publisher": dataset.publisher.name, "licence": dataset.publisher.licence}

    @dg.multi_asset(
        name=f"{dataset.key}_sources",
        specs=[
            dg.AssetSpec(
                landing_key,
                group_name=group,
                description=f"{dataset.description} (`landing.{dataset.table}`; materialised when the files change)",
                deps=[areas],
                # The graph labels a node with its key's last part, the same for landing and clean: the kind
                # tag on the node says which it is (Dagster 1.13 has no display name apart from the key).
                kinds=set(kind.kinds) | {"duckdb", "landing"},
                skippable=True,
                metadata=provenance,
            ),
            dg.AssetSpec(
                clean_key,
                group_name=group,
                description=f"{dataset.title} that passed the blocking checks (`clean.{dataset.table}`).",
                deps=[landing_key],
                kinds={"duckdb", "clean"},
                metadata=provenance,
            ),
        ],
        check_specs=checks,
        partitions_def=partitions_def,
        **({"backfill_policy": dg.BackfillPolicy.single_run()} if partitions_def else {}),
        pool=WAREHOUSE_POOL,
        retry_policy=retry_policy,
        required_resource_keys={"warehouse", "publisher", *kind.resource_keys},
    )
    def step(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        landing = Landing(context, dataset, sorted(context.partition_keys) if partitions_def else [])
        try:
            deliveries = kind.deliveries(landing)
        except Exception as error:
            raise as_failure(error) from error
        # From here on a failure is about the data or the warehouse, not the network: no retry.
        target = target_of(dataset, kind)
        try:
            with context.resources.warehouse.warehouse().connect() as con:
                force = bool(kind.force and kind.force(landing, con, deliveries))
                validate = kind.validate(landing) if kind.validate else None
                outcome = flow.land_deliveries(
                    con,
                    target,
                    deliveries,
                    kind.checks(landing),
                    context.run.run_id,
                    force,
                    validate,
                    accept_withdrawn=dataset.key in context.resources.publisher.withdrawn_accepted(),
                )
                extra = kind.after(landing, con, outcome) if outcome.changed and kind.after else {}
                published = None
                if outcome.changed and outcome.passed:
                    publish = kind.publish(landing, outcome.partitions) if kind.publish else _publish(target, outcome)
                    published = flow.publish(con, target, clean_target(dataset), publish, context.run.run_id)
                elif not outcome.changed:
                    _record_if_missing(con, target, clean_target(dataset), context.run.run_id)
                version = builds.recorded(con, clean_target(dataset)) or "never published"
                sample = preview(con, kind.preview_sql(dataset), [outcome.partitions]) if kind.preview_sql else None
        except flow.DeliveryError as error:
            if kind.failed:
                kind.failed(landing, error)
            raise as_failure(error) from error
        except Exception as error:
            raise as_failure(error) from error
        files = {delivery.facts.url: delivery.facts.sha256 for delivery in deliveries}
        if not outcome.changed:
            # Said on the clean materialisation (below), not as a log line: each event is a SQLite write, and a
            # line per unchanged source was a tenth of an unchanged run's Dagster time.
            if kind.unchanged_results:
                yield from kind.unchanged_results(landing)
            else:
                for check in checks:
                    yield dg.AssetCheckResult(
                        check_name=check.name,
                        passed=True,
                        description="the files are unchanged since they passed and were published",
                        metadata={"unchanged_files": len(files)},
                    )
        else:
            for note in outcome.notes:  # what each file was (a header vintage, a release's layout, an API version)
                context.log.info(f"{dataset.key}: {note}")
            yield dg.MaterializeResult(
                asset_key=landing_key,
                metadata={
                    "dagster/row_count": outcome.rows_loaded,
                    "partitions": dg.MetadataValue.json([str(partition) for partition in outcome.partitions]),
                    **_sources_metadata(files, deliveries),
                    **({"preview": sample} if sample is not None else {}),
                    **extra,
                },
                data_version=dg.DataVersion(builds.digest(",".join(sorted(files.values())))),
            )
            yield from (kind.results or _results)(landing, outcome)
            yield from _completeness_results(outcome)
            if not outcome.passed:
                failed = [name for name in sorted(outcome.blocking) if not outcome.verdicts[name].passed]
                raise dg.Failure(
                    description=f"{dataset.key}: blocking checks failed ({', '.join(failed) or 'unreadable values'}); "
                    "nothing was published to clean, which keeps the last good data",
                    allow_retries=False,
                )
        yield dg.MaterializeResult(
            asset_key=clean_key,
            metadata={
                "rows_published": published if published is not None else 0,
                "fingerprint": version,
                "unchanged_since_published": not outcome.changed,
            },
            data_version=dg.DataVersion(version),
        )

    return step


def _publish(target: flow.Target, outcome: flow.Outcome) -> Callable[[duckdb.DuckDBPyConnection], int]:
    def publish(con: duckdb.DuckDBPyConnection) -> int:
        return sum(
            publish_partitions(con, table, target.partition_column, outcome.partitions) for table in target.tables
        )

    return publish


def _record_if_missing(con: duckdb.DuckDBPyConnection, target: flow.Target, name: str, run_id: str) -> None:
    """A warehouse published before the ledger existed gets its clean fingerprint without re-landing anything."""
    if builds.recorded(con, name) is None:
        builds.record(con, name, flow.published_fingerprint(con, target), f"published loads of {target.source}", run_id)


def _results(landing: Landing, outcome: flow.Outcome) -> list[dg.AssetCheckResult]:
    return [
        check_result(name, verdict, outcome.files)
        for name, verdict in outcome.verdicts.items()
        if isinstance(verdict, SuiteResult)
    ]


def _completeness_results(outcome: flow.Outcome) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            check_name=name,
            passed=verdict.passed,
            description=verdict.message,
            metadata={
                "summary": verdict.message,
                "missing": verdict.missing,
                "accepted_as_withdrawn": verdict.accepted,
            },
        )
        for name, verdict in outcome.verdicts.items()
        if isinstance(verdict, flow.Completeness)
    ]


def _sources_metadata(files: dict[str, str], deliveries: list[flow.Delivery]) -> dict[str, Any]:
    urls = sorted(files)
    links: dict[str, Any] = {}
    if len(urls) == 1 and urls[0].startswith(("http://", "https://")):
        links["source_url"] = dg.MetadataValue.url(urls[0])
    return {
        **links,
        # Links in the UI: one per file fetched (a file in the council's drop folder is shown as its path).
        "source_urls": dg.MetadataValue.md(
            "\n".join(f"- [{url}]({url})" if "://" in url else f"- `{url}`" for url in urls)
        ),
        "sha256": dg.MetadataValue.json(files),
        "fetch_status": dg.MetadataValue.json({d.facts.url: d.facts.status for d in deliveries}),
    }


def build_source_assets(
    catalogue: Catalogue,
    kinds: dict[str, SourceKind],
    partitions: dict[str, dg.PartitionsDefinition | None],
    retry_policy: dg.RetryPolicy,
) -> list[dg.AssetsDefinition]:
    """A source asset pair for every catalogue data set, in catalogue order."""
    unknown = sorted({dataset.locate for dataset in catalogue.datasets} - set(kinds))
    if unknown:
        raise ValueError(f"the catalogue in {catalogue.directory} names locators {unknown}; known: {sorted(kinds)}")
    return [
        source_asset(dataset, kinds[dataset.locate], partitions[dataset.partitioning], retry_policy)
        for dataset in catalogue.datasets
    ]
