"""Ingestion: decode and validate events, pseudonymize, and hand durable batches to the store."""
