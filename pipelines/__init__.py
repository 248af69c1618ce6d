"""Runnable pipelines and the `coconstruct` CLI: source → destination → dbt."""
