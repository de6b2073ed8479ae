"""``econml.metalearners`` at its own path."""

from .._metalearners import DomainAdaptationLearner, SLearner, TLearner, XLearner

__all__ = ["DomainAdaptationLearner", "SLearner", "TLearner", "XLearner"]
