"""Portable exports: mapping runtime records to export records, writing and validating exports."""
