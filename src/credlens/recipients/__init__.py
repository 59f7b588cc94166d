"""What is read about recipients, always from issuer-scoped tables: a holder's own credentials, consent counts."""
