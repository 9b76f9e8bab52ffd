"""What the tests, the benchmarks (bench/) and the load test (loadtest/) share: starting a real
Streamlit server in FFN Lab's server environment (server.py), Debian's Chromium and waiting for a
page in it (browser.py), one page run in AppTest (apptest.py), small GGUF files of every
supported family (gguf_files.py) and one percentile rule (stats.py).
Not part of the app: nothing under lessons/, components/, model/ or serving/ imports it."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
