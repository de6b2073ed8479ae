"""``econml.iv`` (``iv.dml``, ``iv.dr``): importable, adapters come with causaldist's IV family."""

__all__ = []
