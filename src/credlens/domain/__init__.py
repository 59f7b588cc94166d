"""Plain typed values of the credential-analytics domain; no I/O, imports nothing of ours."""
