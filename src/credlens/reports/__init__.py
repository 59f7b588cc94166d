"""Reports: what each audience sees, built from the metrics JSON as plain values (tiles, tables, charts).

Surfaces render these values: the web dashboards as HTML, JSON and CSV, later PDF and e-mail.
Nothing here runs a query or imports a web framework.
"""
