"""Outbound webhooks: signed deliveries of stored events to the issuer's own systems (docs/webhooks.md)."""
