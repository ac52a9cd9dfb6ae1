"""Re-exports for test modules: `from tests.helpers import login, TEST_PASSWORD`."""
from tests.conftest import SEEDS, TEST_PASSWORD, csrf_token_from, login  # noqa: F401
