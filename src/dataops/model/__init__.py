"""The domain, pure: entities, enums, validation and rules. No I/O, no imports from the rest."""
