"""Suite-wide test settings."""

import matplotlib
import pytest
from threadpoolctl import threadpool_limits

# Non-interactive backend: tests render figures without a display.
matplotlib.use("Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # pytest -n 2 runs two workers on a 2-core machine; letting each one's BLAS
    # spawn threads as well oversubscribes the cores (measured 3x slower).
    with threadpool_limits(1):
        yield
