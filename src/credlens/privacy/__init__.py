"""Privacy rules of privacy.md applied in one place: pseudonyms now; consent and suppression next."""
