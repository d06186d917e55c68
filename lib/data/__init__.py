"""The dataset and its numbers: DuckDB access, the on-disk and remote store, the shared cache, and
the SQL of every page (queries by subject). Stands on lib.core only.
"""
