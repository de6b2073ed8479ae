"""``econml.validate.drtester`` at its own path."""

from .._validate import DRTester

__all__ = ["DRTester"]
