"""Metadata persistence behind one small interface (base.Store); bootstrap picks the backend."""
