"""Privacy rules of docs/privacy.md applied in one place: pseudonyms, consent, small-cell suppression."""
