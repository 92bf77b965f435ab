"""Shared pytest fixtures: the location of ../shared/data (real data sets beside the checkout), and
the kernel thread count restored after a test that changes it."""

from pathlib import Path

import pytest

import varbayes as vb

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data directory {SHARED_DATA} not found")
    return SHARED_DATA


@pytest.fixture
def num_threads():
    """Restores the kernel thread count after a test that changes it."""
    before = vb.get_num_threads()
    yield
    vb.set_num_threads(before)
