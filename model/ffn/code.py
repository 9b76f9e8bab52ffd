"""The exact, copyable PyTorch code of an FFN as currently configured."""
from __future__ import annotations

ACT_CODE = {"relu": "F.relu(h)", "gelu": "F.gelu(h)", "gelu_tanh": 'F.gelu(h, approximate="tanh")',
            "silu": "F.silu(h)", "leaky_relu": "F.leaky_relu(h, 0.01)", "relu2": "F.relu(h) ** 2", "none": "h"}


def ffn_code(kind: str, d_model: int, d_ff: int, activation: str, bias: bool, dropout: float = 0.0) -> str:
    """A self-contained nn.Module; `kind` is 'dense' or 'gated'."""
    act = ACT_CODE[activation]
    if kind == "gated":
        body = (f"        self.gate_proj = nn.Linear({d_model}, {d_ff}, bias={bias})\n"
                f"        self.up_proj = nn.Linear({d_model}, {d_ff}, bias={bias})\n"
                f"        self.down_proj = nn.Linear({d_ff}, {d_model}, bias={bias})\n"
                f"        self.dropout = nn.Dropout({dropout})\n\n"
                f"    def forward(self, x):  # x: (batch, seq, {d_model})\n"
                f"        h = self.gate_proj(x)\n"
                f"        return self.dropout(self.down_proj({act} * self.up_proj(x)))\n")
    elif kind == "dense":
        body = (f"        self.up_proj = nn.Linear({d_model}, {d_ff}, bias={bias})\n"
                f"        self.down_proj = nn.Linear({d_ff}, {d_model}, bias={bias})\n"
                f"        self.dropout = nn.Dropout({dropout})\n\n"
                f"    def forward(self, x):  # x: (batch, seq, {d_model})\n"
                f"        h = self.up_proj(x)\n"
                f"        return self.dropout(self.down_proj({act}))\n")
    else:
        raise ValueError(f"kind must be 'dense' or 'gated', got {kind!r}")
    return ("import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            "class FeedForward(nn.Module):\n    def __init__(self):\n        super().__init__()\n" + body)
