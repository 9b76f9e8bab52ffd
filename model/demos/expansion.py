"""How wide the FFN is in published models: d_ff / d_model, read from the presets.

Vaswani et al. (2017) used d_ff = 2048 for d_model = 512, four times wider; nothing in the
architecture requires 4. The ratios here come from the preset configurations, so the page
shows what the models actually use.
"""
from __future__ import annotations

from dataclasses import dataclass

from model.architectures.presets import PRESETS

VASWANI_D_MODEL, VASWANI_D_FF = 512, 2048  # the base Transformer, Vaswani et al. (2017), section 3.3


@dataclass(frozen=True)
class Ratio:
    key: str
    name: str
    d_model: int
    d_ff: int
    gated: bool  # gate, up and down (3 matrices) rather than up and down

    @property
    def ratio(self) -> float:
        return self.d_ff / self.d_model


def preset_ratios() -> list[Ratio]:
    return [Ratio(key, cfg.name, cfg.d_model, cfg.d_ff, cfg.ffn_kind != "dense") for key, cfg in PRESETS.items()]
