"""The private HTTP API (/api/*): thin routes that parse, call the engine, and answer."""
