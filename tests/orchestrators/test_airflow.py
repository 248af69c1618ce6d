"""The Airflow DAG, run with `dag.test()` (temporary AIRFLOW_HOME, SQLite) against three
sandbox tenants, one with a wrong password.

Airflow is an optional extra: the run happens in a cached overlay venv (the project's
environment plus the `airflow` extra, see overlay_venv.py). Skips when it cannot be installed
or when COCONSTRUCT_TEST_AIRFLOW=0.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.orchestrators.overlay_venv import (
    OverlayUnavailable,
    ensure_overlay,
    extra_requirements,
    run_checks,
)

CHECKS = Path(__file__).with_name("airflow_checks.py")


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(
    os.environ.get("COCONSTRUCT_TEST_AIRFLOW") == "0", reason="COCONSTRUCT_TEST_AIRFLOW=0"
)
def test_airflow_dag_loads_tenants_in_parallel_groups_then_dbt(tmp_path: Path) -> None:
    try:
        python, _ = ensure_overlay("airflow", extra_requirements("airflow"))
    except OverlayUnavailable as e:
        pytest.skip(f"the airflow extra cannot be installed here: {e}")
    home = tmp_path / "airflow"
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        # the session cache (refresh tokens) goes to ~/.cache: keep it in the test folder
        "HOME": str(tmp_path / "home"),
    }
    output = run_checks(python, CHECKS, timeout=420, env=env)
    assert "1 passed" in output
