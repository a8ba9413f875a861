"""Use cases, one module per aggregate: every write goes through here."""
