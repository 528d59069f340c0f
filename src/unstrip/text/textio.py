"""Reading user input safely: invalid UTF-8, binary files, huge files.

Users pipe all kinds of bytes into a command-line tool. Text must be valid
UTF-8 (or the user asks for replacement); anything that looks binary (a NUL
byte anywhere) is refused with a message that says why, instead of producing
garbage. :func:`checked_source` looks at the *whole* input before the first
character is restored, so a refusal never comes after output has begun:
a regular file is read once to check it and again to restore it; standard
input and pipes are copied while being checked into a spool that stays in
memory up to :data:`SPOOL_MEMORY` bytes and moves to an (already unlinked)
temporary file beyond that.

>>> decode_bytes("café".encode("utf-8"))
'café'
>>> decode_bytes(b"ok \\xff here")
Traceback (most recent call last):
...
unstrip.text.textio.InputError: <input>: invalid UTF-8 byte 0xff at byte offset 3; \
pass --errors replace to substitute U+FFFD
>>> decode_bytes(b"ok \\xff here", errors="replace")
'ok \\ufffd here'
>>> decode_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
Traceback (most recent call last):
...
unstrip.text.textio.InputError: <input>: looks like a binary file (NUL byte at offset 8); unstrip \
reads text
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

__all__ = [
    "InputError",
    "decode_bytes",
    "iter_text_chunks",
    "check_stream",
    "checked_source",
    "CHUNK_BYTES",
    "SPOOL_MEMORY",
]

CHUNK_BYTES = 1 << 20
"""How many bytes are read at a time when streaming a file."""

SPOOL_MEMORY = 16 << 20
"""How much of a non-seekable input (a pipe) is held in memory while it is
checked; the rest goes to an unlinked temporary file in ``$TMPDIR``."""


class InputError(ValueError):
    """Input that unstrip will not read, with a message that says why."""


def _check_binary(block: bytes, name: str, offset: int = 0) -> None:
    nul = block.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{name}: looks like a binary file (NUL byte at offset {offset + nul}); "
            "unstrip reads text"
        )


def _decode_error(exc: UnicodeDecodeError, name: str, base: int) -> InputError:
    bad = exc.object[exc.start : exc.start + 1]
    return InputError(
        f"{name}: invalid UTF-8 byte 0x{bad.hex()} at byte offset {base + exc.start}; "
        "pass --errors replace to substitute U+FFFD"
    )


def _read_block(stream: BinaryIO, size: int, name: str) -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None


def decode_bytes(data: bytes, errors: str = "strict", name: str = "<input>") -> str:
    """Decode UTF-8 (a leading BOM is dropped), refusing binary data.

    A NUL byte anywhere in ``data`` means binary. ``errors`` is ``"strict"``
    (raise :class:`InputError` naming the byte offset) or ``"replace"``.

    >>> decode_bytes(b"a" * 600_000 + b"\\x00")
    Traceback (most recent call last):
    ...
    unstrip.text.textio.InputError: <input>: looks like a binary file (NUL byte at offset 600000); \
unstrip reads text
    """
    _check_binary(data, name)
    try:
        return data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, name, 3 if data.startswith(codecs.BOM_UTF8) else 0) from None


def check_stream(
    stream: BinaryIO,
    errors: str = "strict",
    name: str = "<input>",
    chunk_bytes: int = CHUNK_BYTES,
    copy_to: BinaryIO | None = None,
) -> int:
    """Read ``stream`` to its end and return its length in bytes.

    Raises :class:`InputError` at the first NUL byte, and (with ``errors``
    ``"strict"``) at the first byte that is not UTF-8, naming its absolute
    offset. Every block read is also written to ``copy_to`` when given.
    Memory stays bounded by ``chunk_bytes``.

    >>> check_stream(io.BytesIO("naïve".encode()), chunk_bytes=3)
    6
    >>> check_stream(io.BytesIO(b"x" * 10 + b"\\xc3"), chunk_bytes=4)
    Traceback (most recent call last):
    ...
    unstrip.text.textio.InputError: <input>: invalid UTF-8 byte 0xc3 at byte offset 10; \
pass --errors replace to substitute U+FFFD
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict") if errors == "strict" else None
    offset = 0
    while True:
        block = _read_block(stream, chunk_bytes, name)
        _check_binary(block, name, offset)
        if decoder is not None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise _decode_error(exc, name, offset - pending) from None
        if not block:
            return offset
        if copy_to is not None:
            copy_to.write(block)
        offset += len(block)


def _rereadable(stream: BinaryIO) -> bool:
    """Can ``stream`` be read twice (a regular file, or bytes in memory)?"""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return isinstance(stream, io.BytesIO)
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and stream.seekable()
    except OSError:
        return False


def checked_source(
    stream: BinaryIO,
    errors: str = "strict",
    name: str = "<input>",
    memory_bytes: int = SPOOL_MEMORY,
) -> BinaryIO:
    """Check all of ``stream`` now; return a stream that yields the same bytes.

    A regular file is checked in place and rewound to where it was (the same
    object is returned). Anything else (standard input from a pipe, a FIFO)
    is copied into a spool while it is checked, and the spool, rewound, is
    returned; the caller closes it. Either way :class:`InputError` is raised
    before the caller has read a byte of text.

    >>> src = checked_source(io.BufferedReader(io.BytesIO(b"one\\ntwo")), memory_bytes=4)
    >>> src.read()
    b'one\\ntwo'
    >>> checked_source(io.BufferedReader(io.BytesIO(b"text" * 1000 + b"\\x00")))
    Traceback (most recent call last):
    ...
    unstrip.text.textio.InputError: <input>: looks like a binary file (NUL byte at offset 4000); \
unstrip reads text
    """
    if _rereadable(stream):
        start = stream.tell()
        check_stream(stream, errors, name)
        stream.seek(start)
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=memory_bytes)
    try:
        check_stream(stream, errors, name, copy_to=spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def iter_text_chunks(
    stream: BinaryIO, errors: str = "strict", name: str = "<input>", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Decode a binary stream incrementally, ``chunk_bytes`` at a time.

    Memory stays bounded by the chunk size however large the input; errors
    name the absolute byte offset of the bad byte. Every block is searched
    for NUL bytes, but a refusal can come after earlier chunks were yielded:
    pass the stream through :func:`checked_source` first to refuse before.

    >>> list(iter_text_chunks(io.BytesIO("naïve café".encode()), chunk_bytes=3))
    ['na', 'ïve', ' ca', 'fé']
    >>> list(iter_text_chunks(io.BytesIO(b"abc\\xe9def"), chunk_bytes=2))
    Traceback (most recent call last):
    ...
    unstrip.text.textio.InputError: <input>: invalid UTF-8 byte 0xe9 at byte offset 3; \
pass --errors replace to substitute U+FFFD
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
    offset = 0
    first = True
    while True:
        block = _read_block(stream, chunk_bytes, name)
        final = not block
        _check_binary(block, name, offset)
        if first:
            if block.startswith(codecs.BOM_UTF8):
                block = block[3:]
                offset = 3
            first = False
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            # exc.start counts from the start of the decoder's buffer, which
            # begins with the bytes still pending from the previous block.
            raise _decode_error(exc, name, offset - pending) from None
        offset += len(block)
        if text:
            yield text
        if final:
            return
