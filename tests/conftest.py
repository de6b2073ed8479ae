"""Suite-wide test settings."""

import matplotlib
import pytest
from threadpoolctl import threadpool_limits

# Non-interactive backend: tests render figures without a display.
matplotlib.use("Agg")

# The fixture generators import scikit-uplift, which may not import (it needs
# sklearn.utils.extmath.stable_cumsum): never collect them as doctest modules.
collect_ignore = ["fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # pytest -n 2 runs two workers on a 2-core machine; letting each one's BLAS
    # spawn threads as well oversubscribes the cores (measured 3x slower).
    with threadpool_limits(1):
        yield
