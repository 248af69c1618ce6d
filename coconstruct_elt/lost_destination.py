"""A warehouse that lost the pipeline's state (a new or deleted DuckDB file, a dropped
dataset) must get a full sync, not an incremental one on top of nothing.

dlt restores local state from the destination when the local state is missing; the other
way round it trusts the local cursors, which here would load no rows into an empty
warehouse. This module checks the destination first and starts the pipeline over.
"""

from __future__ import annotations

import logging

import dlt
from dlt.common.destination.exceptions import DestinationUndefinedEntity

logger = logging.getLogger("coconstruct")

STATE_TABLE = "_dlt_pipeline_state"


def destination_has_state(pipeline: dlt.Pipeline) -> bool:
    """True when the destination dataset holds a state row of this pipeline."""
    try:
        with pipeline.sql_client() as client:
            table = client.make_qualified_table_name(STATE_TABLE)
            rows = client.execute_sql(
                f"select count(*) from {table} where pipeline_name = %s", pipeline.pipeline_name
            )
    except DestinationUndefinedEntity:
        return False
    return bool(rows and rows[0][0])


def restart_if_destination_lost_state(pipeline: dlt.Pipeline) -> dlt.Pipeline:
    """Drop the local state when the destination has none (and nothing is pending)."""
    if pipeline.has_pending_data or not pipeline.state.get("sources"):
        return pipeline
    if destination_has_state(pipeline):
        return pipeline
    logger.warning(
        "the destination has no state of pipeline %s (a new or deleted warehouse): "
        "starting over with a full sync",
        pipeline.pipeline_name,
    )
    return pipeline.drop()
