"""The data layer: pool, migrations, seed, repositories and queries over PostgreSQL.

May import `solver` (its data types) and nothing else of ours (see tests/test_layering.py).
"""
