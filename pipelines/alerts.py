"""Alert sensors: a failed run or a failed data check posts one short message to the team's webhook.

Two sensors, so each failure is reported once and in the terms that help: a run stopped by a failed check
gets the check's message (which rule, how many rows, the failing file lines); any other failure gets the
failed steps and their errors. Both link to the run in the UI. With no webhook configured nothing is sent.
"""

from typing import Any

import dagster as dg
import requests
from dagster import DagsterEventType
from pydantic import Field


class AlertWebhook(dg.ConfigurableResource):
    """Where the alert sensors post (a Slack/Teams-style incoming webhook) and the UI the messages link to.

    An empty `url` sends nothing, so a laptop or CI never posts alerts by accident.
    """

    url: str = Field(default="", description="Incoming-webhook URL; empty sends nothing.")
    ui_url: str = Field(default="http://127.0.0.1:3000", description="The Dagster UI, for links to runs.")
    timeout_s: float = Field(default=10.0, description="How long one post may take.")

    def run_link(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"

    def post(self, payload: dict) -> bool:
        """Post `payload` as JSON; False when no URL is configured. An HTTP error is raised (the sensor fails)."""
        if not self.url:
            return False
        response = requests.post(self.url, json=payload, timeout=self.timeout_s)
        response.raise_for_status()
        return True


MAX_EXAMPLES = 5


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """The check evaluations of `run_id` that did not pass, in the order they happened."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        if isinstance(evaluation, dg.AssetCheckEvaluation) and not evaluation.passed:
            evaluations.append(evaluation)
    return evaluations


def _metadata_value(evaluation: dg.AssetCheckEvaluation, key: str) -> Any:
    entry = evaluation.metadata.get(key)
    return entry.value if entry is not None else None


def check_message(run: dg.DagsterRun, evaluation: dg.AssetCheckEvaluation, link: str) -> dict[str, Any]:
    """What failed (check and asset), its summary, the first failing rows of each rule, and the run link."""
    asset = evaluation.asset_key.to_user_string()
    summary = _metadata_value(evaluation, "summary") or evaluation.description or "failed"
    failures = _metadata_value(evaluation, "failures") or []
    lines = [f"Check {evaluation.check_name} on {asset} failed in {run.job_name}: {summary}"]
    examples = []
    for failure in failures:
        rows = failure.get("examples", [])[:MAX_EXAMPLES]
        file_lines = ", ".join(str(row.get("_source_row")) for row in rows)
        lines.append(f"- {failure.get('rule')}: {failure.get('failing_rows')} rows (file lines {file_lines})")
        examples.append({"rule": failure.get("rule"), "failing_rows": failure.get("failing_rows"), "examples": rows})
    lines.append(link)
    return {
        "text": "\n".join(lines),
        "kind": "check_failure",
        "job": run.job_name,
        "run_id": run.run_id,
        "asset": asset,
        "check": evaluation.check_name,
        "summary": summary,
        "failures": examples,
        "run_url": link,
    }


def run_message(context: dg.RunFailureSensorContext, link: str) -> dict[str, Any]:
    """The failed job, each failed step with the first line of its error, and the run link."""
    steps = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        first_line = error.message.strip().splitlines()[0] if error and error.message.strip() else "no message"
        steps.append({"step": event.step_key, "error": first_line})
    if not steps:
        steps.append({"step": None, "error": context.failure_event.message or "the run failed"})
    lines = [f"Run of {context.dagster_run.job_name} failed:"]
    lines += [f"- {step['step'] or 'run'}: {step['error']}" for step in steps]
    lines.append(link)
    return {
        "text": "\n".join(lines),
        "kind": "run_failure",
        "job": context.dagster_run.job_name,
        "run_id": context.dagster_run.run_id,
        "steps": steps,
        "run_url": link,
    }


@dg.run_failure_sensor(
    name="check_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts each failed data check of a failed run (rule, rows, failing file lines, run link).",
)
def check_failure_alert(context: dg.RunFailureSensorContext, alert_webhook: AlertWebhook) -> None:
    """One message per failed check; runs that failed for another reason are `run_failure_alert`'s."""
    run = context.dagster_run
    link = alert_webhook.run_link(run.run_id)
    for evaluation in failed_checks(context.instance, run.run_id):
        alert_webhook.post(check_message(run, evaluation, link))


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a failed run's failed steps and errors, unless a failed data check explains it.",
)
def run_failure_alert(context: dg.RunFailureSensorContext, alert_webhook: AlertWebhook) -> None:
    """One message per failed run that no failed check explains (crash, network, format error)."""
    run = context.dagster_run
    if failed_checks(context.instance, run.run_id):
        return
    alert_webhook.post(run_message(context, alert_webhook.run_link(run.run_id)))
