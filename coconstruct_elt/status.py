"""`coconstruct status`: per tenant pipeline, the last run, its outcome and the cursors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.common.pipeline import get_dlt_pipelines_dir

from coconstruct_source.source import SOURCE_NAME

PIPELINE_PREFIX = "coconstruct_"


@dataclass
class PipelineStatus:
    pipeline_name: str
    last_run: str | None = None
    outcome: str = "never run"
    cursors: dict[str, str | None] = field(default_factory=dict)


def _cursors(state: dict[str, Any]) -> dict[str, str | None]:
    resources = state.get("sources", {}).get(SOURCE_NAME, {}).get("resources", {})
    out: dict[str, str | None] = {}
    for name, resource_state in sorted(resources.items()):
        incremental = resource_state.get("incremental", {})
        for inc in incremental.values():
            value = inc.get("last_value")
            out[name] = None if value is None else str(value)
    return out


def _outcome(pipeline: dlt.Pipeline) -> tuple[str | None, str]:
    trace = pipeline.last_trace
    if trace is None:
        return None, "no trace"
    started = trace.started_at.isoformat() if trace.started_at else None
    failed = [s for s in trace.steps if s.step_exception]
    if failed:
        return started, f"failed at {failed[0].step}: {failed[0].step_exception}"
    steps = [s.step for s in trace.steps]
    if "load" in steps:
        return started, "loaded"
    return started, f"incomplete (last step: {steps[-1] if steps else 'none'})"


def pipeline_statuses(pipelines_dir: str | None = None) -> list[PipelineStatus]:
    directory = pipelines_dir or get_dlt_pipelines_dir()
    if not os.path.isdir(directory):
        return []
    out = []
    for name in sorted(os.listdir(directory)):
        if not name.startswith(PIPELINE_PREFIX):
            continue
        pipeline = dlt.attach(pipeline_name=name, pipelines_dir=directory)
        last_run, outcome = _outcome(pipeline)
        out.append(PipelineStatus(name, last_run, outcome, _cursors(pipeline.state)))
    return out


def format_status(statuses: list[PipelineStatus]) -> str:
    if not statuses:
        return (
            "no coconstruct pipelines found (run `coconstruct run` first, or pass --pipelines-dir)"
        )
    lines: list[str] = []
    for s in statuses:
        lines.append(f"{s.pipeline_name}: last run {s.last_run or '-'}, {s.outcome}")
        for resource, cursor in s.cursors.items():
            lines.append(f"  {resource:<18} updated_at cursor {cursor or '-'}")
    return "\n".join(lines)
