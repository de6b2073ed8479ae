"""Moved to :mod:`causaldist.inference._sandwich`; kept so that old imports keep working."""

from ..inference._sandwich import COV_TYPES, linear_combination, ols_sandwich  # noqa: F401

__all__ = []
