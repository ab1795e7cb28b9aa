"""Putting decoded source frames in output order while decoding the source only once.

The order is a precomputed list of source indices (see ``render_timeline.frame_indices``). The
source is decoded forward, on demand. A frame is kept only if the order shows it again after it
was decoded (loop, bounce, held or slowed frames), and is dropped after its last use. Kept frames
live in memory up to ``FRAME_MEMORY_BUDGET`` bytes; beyond that they go to an already unlinked
temporary file next to the output, written and read with ``pwrite``/``pread`` (not mapped, so
the pages it passes through are the system's cache, not this process's memory): a long bounce
costs disk space, not memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

FRAME_MEMORY_BUDGET = 64 * 2**20


class FrameStore:
    """Frames kept for later use: in memory up to a byte budget, the rest in a spill file."""

    def __init__(self, spill_dir: Path, budget: int) -> None:
        self._spill_dir = spill_dir
        self._budget = budget
        self._memory: dict[int, np.ndarray] = {}
        self._memory_bytes = 0
        self._slots: dict[int, int] = {}
        self._free: list[int] = []
        self._spill: int | None = None  # the spill file's descriptor
        self._shape: tuple[tuple[int, ...], np.dtype] | None = None

    def __enter__(self) -> FrameStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._memory.clear()
        if self._spill is not None:
            os.close(self._spill)
            self._spill = None

    def __contains__(self, index: int) -> bool:
        return index in self._memory or index in self._slots

    @property
    def spilled(self) -> int:
        """How many frames are in the spill file now."""
        return len(self._slots)

    def put(self, index: int, frame: np.ndarray) -> None:
        if self._memory_bytes + frame.nbytes <= self._budget:
            self._memory[index] = frame
            self._memory_bytes += frame.nbytes
            return
        spill = self._spill_for(frame)
        slot = self._free.pop() if self._free else len(self._slots)
        os.pwrite(spill, np.ascontiguousarray(frame).data, slot * frame.nbytes)
        self._slots[index] = slot

    def get(self, index: int) -> np.ndarray:
        if index in self._memory:
            return self._memory[index]
        assert self._spill is not None and self._shape is not None
        shape, dtype = self._shape
        size = int(np.prod(shape)) * dtype.itemsize
        data = os.pread(self._spill, size, self._slots[index] * size)
        return np.frombuffer(data, dtype).reshape(shape)

    def drop(self, index: int) -> None:
        if index in self._memory:
            self._memory_bytes -= self._memory.pop(index).nbytes
        elif index in self._slots:
            self._free.append(self._slots.pop(index))

    def _spill_for(self, frame: np.ndarray) -> int:
        if self._spill is None:
            handle, name = tempfile.mkstemp(dir=self._spill_dir, prefix="frames-")
            os.unlink(name)  # the open file outlives the name; the space goes when it is closed
            self._spill, self._shape = handle, (frame.shape, frame.dtype)
        return self._spill


def frames_in_order(
    source: Iterator[np.ndarray], order: np.ndarray, spill_dir: Path
) -> Iterator[np.ndarray]:
    """Yield ``source``'s frame ``order[i]`` for each output position ``i``.

    If the source has fewer frames than ``order`` asks for, its last frame is held.
    """
    keep, last_use = _reuse_plan(order)
    decoded = 0
    current_index, current = -1, None
    with FrameStore(spill_dir, FRAME_MEMORY_BUDGET) as store:
        for position, wanted in enumerate(order.tolist()):
            while decoded <= wanted:
                frame = next(source, None)
                if frame is None:
                    break
                current_index, current = decoded, frame
                if decoded in keep:
                    store.put(decoded, frame)
                decoded += 1
            if current is None:
                return
            yield store.get(wanted) if wanted != current_index and wanted in store else current
            if last_use.get(wanted) == position:
                store.drop(wanted)


def _reuse_plan(order: np.ndarray) -> tuple[set[int], dict[int, int]]:
    """Which source frames are shown again after being decoded, and each one's last position."""
    decoded_at = np.maximum.accumulate(order)
    first_pull = np.searchsorted(decoded_at, np.arange(int(order.max()) + 1), side="left")
    last_use = {int(index): position for position, index in enumerate(order.tolist())}
    keep = {index for index, position in last_use.items() if position > first_pull[index]}
    return keep, last_use
