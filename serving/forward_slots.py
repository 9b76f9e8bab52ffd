"""How a server's sessions share the CPU for forward passes.

At most `slots` passes run at once (one per core: servers run one torch thread each), and
requests wait in arrival order. Work that can share a pass says so: while every slot is busy,
requests with the same batch key gather in the queue, and when a slot frees the one at the front
takes the others along as one batch. A short text's pass mostly reads the model's weights from
memory, so eight 14-token texts take 356 ms together against 93 ms alone (SmolLM2-135M, one
core). With a slot free, a request runs at once by itself: batching never delays anyone, it
only happens when a class sends its first texts together.

`with slots:` takes a slot for work that cannot share (gradients, interventions, the dictionary
build).
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable


@dataclass(eq=False)
class _Request:
    key: Hashable | None  # None: a whole slot, never batched
    item: Any = None
    size: int = 1  # its padded share of a batch, e.g. its length in tokens
    result: Any = None
    error: BaseException | None = None
    done: bool = False
    batch: list["_Request"] = field(default_factory=list)


class ForwardSlots:
    def __init__(self, slots: int, batch_budget: int, max_batch: int = 8):
        """`batch_budget` bounds a batch's padded size (its longest request's size times its
        count), so a batch never needs more memory than the largest single request allowed."""
        self.slots, self.batch_budget, self.max_batch = slots, batch_budget, max_batch
        self._free = slots
        self._queue: list[_Request] = []
        self._cv = threading.Condition()
        self.batch_sizes: Counter[int] = Counter()  # how many batches of each size ran (the tests read it)

    def run(self, key: Hashable, item: Any, run_batch: Callable[[list], list], size: int = 1) -> Any:
        """run_batch([item, ...])[i] for this item, computed alone or with others of the same key
        that were waiting too. An error in a batch of several reruns each item alone, so one
        bad item fails only its own request."""
        req = _Request(key, item, size)
        batch = self._start(req)
        if batch:  # this request leads: it computes the batch in its own thread
            for r in batch:  # until it has answers (a leader interrupted leaves none)
                r.error = RuntimeError("the forward pass this request waited for was interrupted")
            try:
                results = _run_isolating(run_batch, [r.item for r in batch])
                for r, (value, error) in zip(batch, results):
                    r.result, r.error = value, error
            finally:
                self._finish(batch)
        with self._cv:
            while not req.done:  # a follower: the leader's thread is computing it
                self._cv.wait()
        if req.error is not None:
            raise req.error
        return req.result

    def __enter__(self) -> "ForwardSlots":
        self._start(_Request(None))
        return self

    def __exit__(self, *exc) -> None:
        self._finish([])

    def waiting(self) -> int:
        with self._cv:
            return len(self._queue)

    def _start(self, req: _Request) -> list[_Request]:
        """Wait until `req` is at the front with a slot free and return its batch (itself first),
        or return [] once another request has taken it into its batch."""
        with self._cv:
            self._queue.append(req)
            while not (req.batch or (self._free and self._queue and self._queue[0] is req)):
                self._cv.wait()
            if req.batch:  # taken along by a leader; it is not in the queue any more
                return []
            self._free -= 1
            batch = [req]
            if req.key is not None:
                for other in self._queue[1:]:
                    if len(batch) == self.max_batch:
                        break
                    longest = max(other.size, *(r.size for r in batch))
                    if other.key == req.key and longest * (len(batch) + 1) <= self.batch_budget:
                        batch.append(other)
            for r in batch:
                r.batch = batch
                self._queue.remove(r)
            if req.key is not None:
                self.batch_sizes[len(batch)] += 1
            self._cv.notify_all()  # the next at the front may take a slot still free
            return batch

    def _finish(self, batch: list[_Request]) -> None:
        with self._cv:
            self._free += 1
            for r in batch:
                r.done = True
            self._cv.notify_all()


def _run_isolating(run_batch: Callable[[list], list], items: list) -> list[tuple[Any, BaseException | None]]:
    try:
        return [(value, None) for value in run_batch(items)]
    except Exception as err:
        if len(items) == 1:
            return [(None, err)]
    out = []
    for item in items:
        try:
            out.append((run_batch([item])[0], None))
        except Exception as err:
            out.append((None, err))
    return out
