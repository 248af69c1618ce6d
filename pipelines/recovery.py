"""Recovery from a run killed inside dlt's normalize commit.

dlt commits a normalized package by renaming it into the load folder, then deletes its
extracted copy. A SIGKILL between the two leaves the package twice: the next run loads the
normalized one, normalizes the extracted copy again under the same load id, and from then
on every load fails ("Directory not empty" moving it to `loaded`). Found by the fault drill.
"""

from __future__ import annotations

import logging

import dlt

logger = logging.getLogger("coconstruct")


def drop_committed_extracts(pipeline: dlt.Pipeline) -> list[str]:
    """Delete extracted packages whose normalized copy was already committed; their ids."""
    extracted = set(pipeline.list_extracted_load_packages())
    if not extracted:
        return []
    load = pipeline._get_load_storage()
    if not load.is_storage_ready():
        return []
    committed = set(load.list_normalized_packages()) | set(load.loaded_packages.list_packages())
    duplicates = sorted(extracted & committed)
    storage = pipeline._get_normalize_storage()
    for load_id in duplicates:
        logger.info("package %s was already normalized by an interrupted run", load_id)
        storage.extracted_packages.delete_package(load_id)
    return duplicates
