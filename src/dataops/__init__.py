"""DataOps work engine: proof-gated workflows of dated tasks, artifact metadata, portable exports."""

__version__ = "0.1.0"
