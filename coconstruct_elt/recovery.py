"""Recovery from a run killed inside dlt's storage commits (both found by the fault drill).

* dlt commits a normalized package by renaming it into the load folder, then deletes its
  extracted copy. A SIGKILL between the two leaves the package twice: the next run loads
  the normalized one, normalizes the extracted copy again under the same load id, and from
  then on every load fails ("Directory not empty" moving it to `loaded`).
* dlt creates its load folder, then its subfolders, assuming both appear at once; a kill
  in between fails every later run (no `normalized` folder).
"""

from __future__ import annotations

import logging

import dlt

logger = logging.getLogger("coconstruct")


def drop_committed_extracts(pipeline: dlt.Pipeline) -> list[str]:
    """Complete a half-created load folder; delete extracted packages whose normalized copy
    was already committed. Returns their ids."""
    from dlt.common.storages.load_storage import LoadStorage

    if not pipeline._get_load_storage().is_storage_ready():
        return []
    load = LoadStorage(True, [], pipeline._load_storage_config())  # creates missing folders
    extracted = set(pipeline.list_extracted_load_packages())
    if not extracted:
        return []
    committed = set(load.list_normalized_packages()) | set(load.loaded_packages.list_packages())
    duplicates = sorted(extracted & committed)
    storage = pipeline._get_normalize_storage()
    for load_id in duplicates:
        logger.info("package %s was already normalized by an interrupted run", load_id)
        storage.extracted_packages.delete_package(load_id)
    return duplicates
