"""Binary persistence for DataOps-owned files: one interface (base.py), a local-dev directory
(local.py, development and tests only) and S3 in production."""
