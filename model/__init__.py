"""FFN Lab's compute core: pure torch/numpy, never imports streamlit."""
