"""The runner of coconstruct-elt: the `coconstruct` CLI, one dlt pipeline per tenant
(source → destination), the dbt step, the run summary and the orchestrator definitions."""

__version__ = "0.2.0.dev0"
