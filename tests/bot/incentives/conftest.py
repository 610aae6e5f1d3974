from pathlib import Path

import pytest

from bot.incentives import load_catalog

CATALOG_DIR = Path(__file__).resolve().parents[3] / "corpus" / "incentives"


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(CATALOG_DIR)
