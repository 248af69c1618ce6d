"""Webhooks from the sandbox tenant: subscriptions, a change feed over the store, and
deliveries signed per Standard Webhooks with retries, backoff and fault profiles."""
