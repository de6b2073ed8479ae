"""Utilities for developers of causaldist estimators (the causal check suite)."""
