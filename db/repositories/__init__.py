"""Repositories: one module per aggregate, SQL kept as SQL, rows mapped to domain values."""
