"""The loaded models of one server process: kept by key while their weights fit a memory cap, the
least recently used put away first when a new one does not fit.

A model is loaded at most once at a time (two sessions asking for the same new model wait for one
load); a model already on the shelf is handed out without waiting for anyone's load.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, TypeVar

Model = TypeVar("Model")


class Shelf(Generic[Model]):
    def __init__(self, cap_mb: float, load: Callable[[str], Model], size_mb: Callable[[Model], float]) -> None:
        self.cap_mb = cap_mb
        self._load, self._size_mb = load, size_mb
        self._models: OrderedDict[str, Model] = OrderedDict()
        self._lock = threading.Lock()  # guards _models, held only for a moment
        self._loading = threading.Lock()  # one load at a time

    def get(self, key: str, **load_options) -> Model:
        """The model under `key`, loaded now (with `load_options`) if it is not on the shelf. A
        failed load raises and leaves the shelf as it was, so a later call retries."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        with self._loading:
            with self._lock:  # loaded by another session while this one waited
                if key in self._models:
                    self._models.move_to_end(key)
                    return self._models[key]
            model = self._load(key, **load_options)
            with self._lock:
                self._models[key] = model
                # the new model stays even alone above the cap: the loader refuses what cannot fit at all
                while len(self._models) > 1 and self.used_mb() > self.cap_mb:
                    self._models.popitem(last=False)
            return model

    def used_mb(self) -> float:
        return sum(self._size_mb(m) for m in self._models.values())

    def keys(self) -> list[str]:
        """Keys on the shelf, least recently used first."""
        with self._lock:
            return list(self._models)
