"""Protections every request goes through, whatever route it reaches: headers, forms and CSRF, logs."""
