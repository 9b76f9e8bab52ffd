"""Published model configurations and the parameter totals they must reproduce.

Totals come from the released checkpoints (sum of numel over the state dict,
tied weights counted once); Mixtral's active count is 2 of 8 experts per token.
"""
from __future__ import annotations

from model.architectures.config import ModelConfig
from model.architectures.families import FAMILIES

_GPT2 = dict(vocab_size=50257, max_positions=1024)
_LLAMA2 = dict(vocab_size=32000, d_model=4096, n_layers=32, n_heads=32, head="untied")
# key -> (family, the fields of this model); what a family shares is declared in families.py
_DECLARED: dict[str, tuple[str, dict]] = {
    "gpt2-small": ("gpt2", dict(name="GPT-2 small", d_model=768, n_layers=12, n_heads=12, d_ff=3072, **_GPT2)),
    "gpt2-medium": ("gpt2", dict(name="GPT-2 medium", d_model=1024, n_layers=24, n_heads=16, d_ff=4096, **_GPT2)),
    "gpt2-large": ("gpt2", dict(name="GPT-2 large", d_model=1280, n_layers=36, n_heads=20, d_ff=5120, **_GPT2)),
    "gpt2-xl": ("gpt2", dict(name="GPT-2 XL", d_model=1600, n_layers=48, n_heads=25, d_ff=6400, **_GPT2)),
    "bert-base": ("bert", dict(name="BERT-base-uncased", vocab_size=30522, d_model=768, n_layers=12, n_heads=12,
                               d_ff=3072, max_positions=512)),
    "llama2-7b": ("llama", dict(name="LLaMA-2-7B", d_ff=11008, **_LLAMA2)),
    # Mistral and Mixtral are LLaMA's layout (llama.cpp names their files 'llama'); Mixtral's FFNs are experts
    "mistral-7b": ("llama", dict(name="Mistral-7B", n_kv_heads=8, d_ff=14336, **_LLAMA2)),
    "mixtral-8x7b": ("llama", dict(name="Mixtral-8x7B", n_kv_heads=8, d_ff=14336, ffn_kind="moe", n_experts=8,
                                   top_k=2, **_LLAMA2)),
    "smollm2-135m": ("llama", dict(name="SmolLM2-135M", vocab_size=49152, d_model=576, n_layers=30, n_heads=9,
                                   n_kv_heads=3, d_ff=1536, head="tied")),
    "qwen2.5-0.5b": ("qwen2", dict(name="Qwen2.5-0.5B", vocab_size=151936, d_model=896, n_layers=24, n_heads=14,
                                   n_kv_heads=2, d_ff=4864, rope_theta=1_000_000.0, head="tied")),
    # heads of 256 whatever d_model is, a 256k vocabulary tied to the head
    "gemma-2b": ("gemma", dict(name="Gemma-2B", vocab_size=256000, d_model=2048, n_layers=18, n_heads=8,
                               n_kv_heads=1, head_dim=256, d_ff=16384, head="tied")),
    "gemma2-2b": ("gemma2", dict(name="Gemma-2-2B", vocab_size=256000, d_model=2304, n_layers=26, n_heads=8,
                                 n_kv_heads=4, head_dim=256, d_ff=9216, head="tied")),
    # from the models' config.json on the Hugging Face hub (Qwen/Qwen3-0.6B, google/gemma-3-270m,
    # meta-llama/Llama-3.2-1B), as quoted in public code; all three tie the head to the embedding
    "qwen3-0.6b": ("qwen3", dict(name="Qwen3-0.6B", vocab_size=151936, d_model=1024, n_layers=28, n_heads=16,
                                 n_kv_heads=8, head_dim=128, d_ff=3072, rope_theta=1_000_000.0, norm_eps=1e-6,
                                 head="tied")),
    # a 262,144-token vocabulary: 63% of the model is its embedding
    "gemma3-270m": ("gemma3", dict(name="Gemma-3-270M", vocab_size=262144, d_model=640, n_layers=18, n_heads=4,
                                   n_kv_heads=1, head_dim=256, d_ff=2048, rope_theta=1_000_000.0, norm_eps=1e-6,
                                   head="tied")),
    # Llama 3's 128,256-token vocabulary; its "llama3" rope scaling (factor 32) has no parameters
    "llama3.2-1b": ("llama", dict(name="Llama-3.2-1B", vocab_size=128256, d_model=2048, n_layers=16, n_heads=32,
                                  n_kv_heads=8, d_ff=8192, rope_theta=500_000.0, head="tied")),
}
PRESETS: dict[str, ModelConfig] = {key: FAMILIES[family].config(**fields) for key, (family, fields) in _DECLARED.items()}
PRESET_FAMILY: dict[str, str] = {key: family for key, (family, _) in _DECLARED.items()}

# (total, active per token) as published.
PUBLISHED_TOTALS: dict[str, tuple[int, int]] = {
    "gpt2-small": (124_439_808, 124_439_808),
    "gpt2-medium": (354_823_168, 354_823_168),
    "gpt2-large": (774_030_080, 774_030_080),
    "gpt2-xl": (1_557_611_200, 1_557_611_200),
    "bert-base": (109_482_240, 109_482_240),
    "llama2-7b": (6_738_415_616, 6_738_415_616),
    "mistral-7b": (7_241_732_096, 7_241_732_096),
    "mixtral-8x7b": (46_702_792_704, 12_879_925_248),
    "smollm2-135m": (134_515_008, 134_515_008),
    "qwen2.5-0.5b": (494_032_768, 494_032_768),
    "gemma-2b": (2_506_172_416, 2_506_172_416),
    "gemma2-2b": (2_614_341_888, 2_614_341_888),
    # the unique parameters of the hub checkpoints (tied embedding once), as reported by public code
    # that counted them: 596,049,920, 268,098,176 and 1,235,814,400
    "qwen3-0.6b": (596_049_920, 596_049_920),
    "gemma3-270m": (268_098_176, 268_098_176),
    "llama3.2-1b": (1_235_814_400, 1_235_814_400),
}
