"""econml's ``econml.iv.dml``: ``from causaldist.compat.econml.iv.dml import OrthoIV``."""

from .._iv import DMLIV, OrthoIV

__all__ = ["DMLIV", "OrthoIV"]
