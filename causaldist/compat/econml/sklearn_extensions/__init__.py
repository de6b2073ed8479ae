"""``econml.sklearn_extensions`` at its own path (``sklearn_extensions.linear_model``)."""

__all__ = []
