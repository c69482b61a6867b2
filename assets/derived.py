"""Assets built from other warehouse tables (indicators, report cards, the snapshot, the report), with the ledger.

Every derived step runs in every run; each first asks the build ledger (`warehouse.builds`) whether its inputs'
fingerprints or its settings changed since it last built. If not, it does nothing and materialises with the same
data version, so Dagster shows it synced and nothing downstream is skipped. A change in any input rebuilds it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb

from assets.common import as_failure
from assets.resources import WAREHOUSE_POOL
from warehouse import builds


@dataclass
class Built:
    """What a build reports: metadata for the UI and its checks' verdicts."""

    metadata: dict[str, Any] = field(default_factory=dict)
    checks: list[dg.AssetCheckResult] = field(default_factory=list)


Build = Callable[[dg.AssetExecutionContext, duckdb.DuckDBPyConnection | None], Built]


def ledger_name(key: dg.AssetKey) -> str:
    return "/".join(key.path)


def derived_asset(
    key: list[str],
    *,
    group: str,
    description: str,
    inputs: list[str],
    deps: list[Any],
    build: Build,
    settings: Callable[[dg.AssetExecutionContext], dict[str, object]] = lambda context: {},
    check_specs: list[dg.AssetCheckSpec] | None = None,
    partitions_def: dg.PartitionsDefinition | None = None,
    resource_keys: frozenset[str] = frozenset(),
    kinds: frozenset[str] = frozenset({"duckdb", "sql"}),
    hold_warehouse: bool = True,
    needs_pool: bool = True,
) -> dg.AssetsDefinition:
    """An asset that rebuilds only when its `inputs` (ledger targets) or `settings` changed.

    `hold_warehouse=False` for builds that must not hold the warehouse while they work (publishing copies the
    file under the lock without a connection; the report reads the snapshot): they get no connection.
    """
    asset_key = dg.AssetKey(key)
    target = ledger_name(asset_key)

    @dg.asset(
        key=asset_key,
        group_name=group,
        description=description,
        deps=deps,
        check_specs=check_specs or None,
        partitions_def=partitions_def,
        **({"backfill_policy": dg.BackfillPolicy.single_run()} if partitions_def else {}),
        pool=WAREHOUSE_POOL if needs_pool else None,
        kinds=set(kinds),
        required_resource_keys={"warehouse", *resource_keys},
    )
    def derived(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        store = context.resources.warehouse.warehouse()
        wanted = dict(settings(context))
        if partitions_def is not None:
            wanted["partitions"] = sorted(context.partition_keys)
        try:
            with store.connect() as con:
                print_ = builds.fingerprint(con, inputs, wanted)
                current = builds.is_current(con, target, print_)
                replayed = builds.recorded_checks(con, target) if current else {}
                built = build(context, con) if hold_warehouse and not current else None
            if current:
                context.log.info(f"{target}: inputs unchanged since it was last built; nothing rebuilt")
                yield dg.MaterializeResult(
                    metadata={"rebuilt": False, "fingerprint": print_},
                    data_version=dg.DataVersion(print_),
                    check_results=[_replay(name, verdict) for name, verdict in replayed.items()],
                )
                return
            if built is None:
                built = build(context, None)
            # Settings may describe what the build itself writes (a report file that was missing): the ledger
            # keeps the fingerprint as it stands after the build, so the next unchanged run finds it current.
            wanted.update(settings(context))
            with store.connect() as con:
                print_ = builds.fingerprint(con, inputs, wanted)
                builds.record(con, target, print_, ", ".join(sorted(inputs)), context.run.run_id, _verdicts(built))
        except dg.Failure:
            raise
        except Exception as error:
            raise as_failure(error) from error
        yield dg.MaterializeResult(
            metadata={"rebuilt": True, "fingerprint": print_, **built.metadata},
            data_version=dg.DataVersion(print_),
            check_results=built.checks,
        )

    return derived


def _verdicts(built: Built) -> dict[str, dict[str, object]]:
    return {
        check.check_name or "": {
            "passed": check.passed,
            "description": check.description or "",
            "severity": (check.severity or dg.AssetCheckSeverity.ERROR).value,
        }
        for check in built.checks
    }


def _replay(name: str, verdict: dict[str, object]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        passed=bool(verdict["passed"]),
        severity=dg.AssetCheckSeverity(verdict.get("severity", "ERROR")),
        description=f"unchanged since the last build: {verdict.get('description', '')}",
    )
