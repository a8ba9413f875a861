"""The export validator's parts, one concern each: the manifest, reading entity files, each
record's declared rules, and the relations between records. portable/validate.py runs them."""
