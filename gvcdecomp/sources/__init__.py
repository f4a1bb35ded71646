"""Readers of published tables, one module per source."""
