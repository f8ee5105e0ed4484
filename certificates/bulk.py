"""Stream many certificates as one ZIP without holding them all in memory.

:func:`stream_zip` writes with the standard :mod:`zipfile` into a sink that only collects what
was written since the last chunk was handed out: memory holds one PDF and its compressed copy at
a time, whatever the number of entries. The archive uses data descriptors (the sink cannot seek),
which every unzip tool reads.

:func:`rendered` lets several processes render the entries while the ZIP is written: the
entries keep their order and only a few are ahead of the writer at any time, so a ZIP made
with render processes has the same bytes as one made in one process, and memory stays flat.
"""

from __future__ import annotations

import multiprocessing
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, TypeVar

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

#: Entries of a bulk download: a file name inside the ZIP and a function that makes its bytes
#: (called only when the entry is written, so nothing is rendered ahead of time).
Entry = tuple[str, Callable[[], bytes]]

Item = TypeVar("Item")

#: A fixed timestamp for every entry: the same certificates always make the same ZIP bytes.
ENTRY_TIME = (2020, 1, 1, 0, 0, 0)


class _ChunkSink:
    """A write-only, non-seekable file that keeps written bytes until :meth:`take` is called."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self.written += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: :meth:`take` hands the bytes out."""

    def close(self) -> None:
        """Nothing to close: the consumer owns the bytes handed out."""

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_zip(entries: Iterable[Entry]) -> Iterator[bytes]:
    """Yield the bytes of a ZIP of ``entries``, one chunk per entry, then the directory.

    PDFs are already compressed, so entries are stored: deflating them again costs time and
    saves little.
    """
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, make in entries:
            info = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, make())
            chunk = sink.take()
            if chunk:
                yield chunk
    tail = sink.take()
    if tail:
        yield tail


def write_zip(entries: Iterable[Entry], output: BinaryIO) -> int:
    """Write the ZIP of ``entries`` to ``output`` chunk by chunk; return the bytes written."""
    total = 0
    for chunk in stream_zip(entries):
        output.write(chunk)
        total += len(chunk)
    return total


def _given(data: bytes) -> bytes:
    return data


def rendered(
    items: Iterable[tuple[str, Item]],
    render: Callable[[Item], bytes],
    *,
    processes: int,
    ahead: int = 4,
) -> Iterator[Entry]:
    """Yield the entries of ``items`` (``(name, item)``), each rendered by ``render(item)`` in
    one of ``processes`` render processes, in the order of ``items``.

    At most ``ahead`` entries per process are handed out before the writer takes the first of
    them, so memory does not grow with the number of items; ``items`` is read in this process
    only (it may come from a database session). ``render`` and the items must pickle
    (``render`` a module-level function). The processes come from a fork server that has
    imported ``render``'s module, never from a fork of this process and its threads and
    connections; they end with the iteration.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([render.__module__])
    pending: deque[tuple[str, AsyncResult[bytes]]] = deque()
    with context.Pool(processes) as pool:
        for name, item in items:
            pending.append((name, pool.apply_async(render, (item,))))
            if len(pending) >= processes * ahead:
                first, result = pending.popleft()
                yield first, partial(_given, result.get())
        while pending:
            first, result = pending.popleft()
            yield first, partial(_given, result.get())
