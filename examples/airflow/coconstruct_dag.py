"""Copy into your Airflow dags folder (with `coconstruct-elt[airflow]` installed on workers).

Secrets: SOURCES__COCONSTRUCT__<SECTION>__CREDENTIALS__... environment variables on the
workers, or a .dlt/secrets.toml in the dags folder (dlt's Airflow helper reads .dlt there).
"""

import os

from coconstruct_elt.orchestration.airflow_dag import dag_from_tenants_file

dag = dag_from_tenants_file(
    os.environ.get("COCONSTRUCT_TENANTS_FILE", "/opt/coconstruct/tenants.toml"),
    schedule="17 * * * *",
)
