"""Workspace files: a declared schema, loading into a store, exporting from one; the demo workspace."""
