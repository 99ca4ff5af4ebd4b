"""Tests of the CBR emulator (src/cbr_emulator)."""

import warnings

# Starlette 1.x prefers "httpx2" for its TestClient; httpx works the same for these tests.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
