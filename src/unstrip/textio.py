"""Reading user input safely: invalid UTF-8, binary files, huge files.

Users pipe all kinds of bytes into a command-line tool. Text must be valid
UTF-8 (or the user asks for replacement); anything that looks binary is
refused with a message that says why, instead of producing garbage.

>>> decode_bytes("café".encode("utf-8"))
'café'
>>> decode_bytes(b"ok \\xff here")
Traceback (most recent call last):
...
unstrip.textio.InputError: <input>: invalid UTF-8 byte 0xff at byte offset 3; \
pass --errors replace to substitute U+FFFD
>>> decode_bytes(b"ok \\xff here", errors="replace")
'ok \\ufffd here'
>>> decode_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
Traceback (most recent call last):
...
unstrip.textio.InputError: <input>: looks like a binary file (NUL byte at offset 8); unstrip \
reads text
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["InputError", "decode_bytes", "iter_text_chunks", "CHUNK_BYTES"]

CHUNK_BYTES = 1 << 20
"""How many bytes are read at a time when streaming a file."""

_BINARY_SNIFF = 8192


class InputError(ValueError):
    """Input that unstrip will not read, with a message that says why."""


def _check_binary(head: bytes, name: str, offset: int = 0) -> None:
    nul = head.find(b"\x00")
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


def decode_bytes(data: bytes, errors: str = "strict", name: str = "<input>") -> str:
    """Decode UTF-8 (a leading BOM is dropped), refusing binary data.

    ``errors`` is ``"strict"`` (raise :class:`InputError` naming the byte
    offset) or ``"replace"``.
    """
    _check_binary(data[:_BINARY_SNIFF], name)
    try:
        return data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, name, 3 if data.startswith(codecs.BOM_UTF8) else 0) from None


def iter_text_chunks(
    stream: BinaryIO, errors: str = "strict", name: str = "<input>", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Decode a binary stream incrementally, ``chunk_bytes`` at a time.

    Memory stays bounded by the chunk size however large the input; errors
    name the absolute byte offset of the bad byte.

    >>> import io
    >>> list(iter_text_chunks(io.BytesIO("naïve café".encode()), chunk_bytes=3))
    ['na', 'ïve', ' ca', 'fé']
    >>> list(iter_text_chunks(io.BytesIO(b"abc\\xe9def"), chunk_bytes=2))
    Traceback (most recent call last):
    ...
    unstrip.textio.InputError: <input>: invalid UTF-8 byte 0xe9 at byte offset 3; \
pass --errors replace to substitute U+FFFD
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
    offset = 0
    first = True
    while True:
        block = stream.read(chunk_bytes)
        final = not block
        if first:
            _check_binary(block[:_BINARY_SNIFF], name)
            if block.startswith(codecs.BOM_UTF8):
                block = block[3:]
                offset = 3
            first = False
        elif block and b"\x00" in block:
            _check_binary(block, name, offset)
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
