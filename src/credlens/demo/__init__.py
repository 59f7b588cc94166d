"""Synthetic, calibrated demo data: issuers, programs and their credential event streams."""
