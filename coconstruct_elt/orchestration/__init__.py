"""Scheduling helpers: the tenants file, Dagster definitions and the Airflow DAG.

The orchestrator modules import their framework; install the `dagster` or `airflow`
extra to use them. Nothing here is imported by the core pipeline.
"""
