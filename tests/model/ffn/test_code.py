"""The copyable PyTorch code the block page shows runs and equals our modules."""
import pytest
import torch

from model.ffn.code import ACT_CODE, ffn_code
from model.ffn.layers import FeedForward, GatedFeedForward


@pytest.mark.parametrize("kind", ["dense", "gated"])
@pytest.mark.parametrize("activation", list(ACT_CODE))
def test_generated_code_runs_and_matches_our_modules(kind, activation):
    namespace: dict = {}
    exec(ffn_code(kind, 16, 40, activation, bias=True), namespace)  # noqa: S102
    theirs = namespace["FeedForward"]()
    ours = (FeedForward if kind == "dense" else GatedFeedForward)(16, 40, activation, bias=True)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 16)
    torch.testing.assert_close(theirs(x), ours(x))
