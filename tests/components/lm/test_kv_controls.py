"""The key-value page's controls as plain data: neuron lists in URLs, typed tokens."""
import pytest

from components.lm.kv_controls import MAX_NEURONS, format_neurons, parse_neurons, token_for


def test_neuron_lists_round_trip_and_refuse_what_is_not_a_neuron():
    neurons, bad = parse_neurons("L24n1005, l22 N916,L24n1005,L30n1,L0n1536,<script>,", n_layers=30, d_ff=1536)
    assert neurons == [(24, 1005), (22, 916)] and bad == ["L30n1", "L0n1536", "<script>"]
    assert parse_neurons(format_neurons(neurons), 30, 1536) == (neurons, [])
    many = ",".join(f"L1n{i}" for i in range(50))
    assert len(parse_neurons(many, 30, 1536)[0]) == MAX_NEURONS
    assert parse_neurons("", 30, 1536) == ([], [])


class _Tok:
    """A tokenizer that puts a BOS token (0) first unless told not to, as SentencePiece ones do."""

    def encode(self, text, add_special_tokens=True):
        ids = [7] if text == " Paris" else [1, 2]
        return type("E", (), {"ids": [0, *ids] if add_special_tokens else ids})()


@pytest.mark.parametrize("text, want", [(" Paris", (7, None)), ("", (None, None))])
def test_a_typed_token_must_be_one_token(text, want):
    assert token_for(_Tok(), text) == want


def test_several_tokens_are_refused_with_the_reason():
    token, why = token_for(_Tok(), "Paris is")
    assert token is None and "2 tokens" in why
