"""`coconstruct listen`: receive CoConstruct webhooks, queue them durably, and run debounced
incremental syncs of only the resources and tenants they name."""
