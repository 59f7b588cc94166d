"""Who may do what: password hashing, signed tokens, CSRF, sign-in limits and role scopes. No I/O."""
