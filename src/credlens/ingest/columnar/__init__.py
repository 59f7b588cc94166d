"""The columnar path of ingestion: whole batches checked and flattened by Arrow kernels, no object per event.

It may only *prove* rows valid: a row it cannot prove (a rule it does not know how to check, a
value it is unsure of) goes to the msgspec validator of decode.py, which stays the only judge of
invalid events and the only source of rejection messages (docs/architecture.md, "Ingestion").
"""
