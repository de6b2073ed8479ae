"""econml's ``econml.iv`` module tree: ``iv.dml`` and ``iv.dr``."""
