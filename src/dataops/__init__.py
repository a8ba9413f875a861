"""DataOps work engine: proof-gated workflows, artifact metadata, portable exports."""

__version__ = "0.1.0"
