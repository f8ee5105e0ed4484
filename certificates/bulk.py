"""Stream many certificates as one ZIP without holding them all in memory.

:func:`stream_zip` writes with the standard :mod:`zipfile` into a sink that only collects what
was written since the last chunk was handed out: memory holds one PDF and its compressed copy at
a time, whatever the number of entries. The archive uses data descriptors (the sink cannot seek),
which every unzip tool reads.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

#: Entries of a bulk download: a file name inside the ZIP and a function that makes its bytes
#: (called only when the entry is written, so nothing is rendered ahead of time).
Entry = tuple[str, Callable[[], bytes]]

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
