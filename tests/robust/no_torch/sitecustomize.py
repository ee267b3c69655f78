"""Put on PYTHONPATH to run Python as if PyTorch were not installed."""

import sys

sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` now raises ImportError
