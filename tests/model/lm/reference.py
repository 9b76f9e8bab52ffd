"""transformers' own GGUF loader, the reference our loader, forward pass and tokenizer are checked
against (test_real_model.py, test_gemma3_real.py, test_architectures.py)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import torch

from model.lm import gguf_loader


@contextmanager
def _each_file_parsed_once():
    """transformers parses the file with gguf's reader three times (for the tokenizer, the config and
    the weights), and each parse reads every vocabulary string; within this block the second and third
    get the first's reader, which they only read. The reader reads from memory, as our loader's does
    (a memory map makes each of its million tiny views slow)."""
    import gguf

    real = gguf.GGUFReader
    parsed = {}

    def reader(path, mode="r"):
        if (str(path), mode) not in parsed:
            parsed[str(path), mode] = real(path, mode)
        return parsed[str(path), mode]

    with gguf_loader._reader_reads_into_memory():
        gguf.GGUFReader = reader
        try:
            yield
        finally:
            gguf.GGUFReader = real


def transformers_load(path: Path, **config):
    """transformers' tokenizer and float32 model of the GGUF file at `path` (`config`: what transformers
    cannot read from the file), offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    with _each_file_parsed_once():
        tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32,
                                                     **config)
    return tok, model.eval()
