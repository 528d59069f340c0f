"""textio: the whole input is checked before any text is handed on."""

from __future__ import annotations

import io

import pytest

from unstrip.text.textio import (
    InputError,
    check_stream,
    checked_source,
    decode_bytes,
    iter_text_chunks,
)


class _Pipe(io.RawIOBase):
    """A stream that can be read once, like a pipe (no seek, no fileno)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        chunk = self._data.read(len(buf))
        buf[: len(chunk)] = chunk
        return len(chunk)


def test_decode_bytes_finds_a_nul_past_the_first_8_kb():
    with pytest.raises(InputError, match="NUL byte at offset 500001"):
        decode_bytes(b"a" * 500_001 + b"\x00" + b"b" * 10)


def test_iter_text_chunks_refuses_a_nul_late_in_the_first_block():
    chunks = iter_text_chunks(io.BytesIO(b"a" * 500_001 + b"\x00"), chunk_bytes=1 << 20)
    with pytest.raises(InputError, match="offset 500001"):
        next(chunks)


def test_check_stream_names_offsets_across_blocks():
    data = "é".encode() * 10 + b"\xff"
    with pytest.raises(InputError, match="byte 0xff at byte offset 20"):
        check_stream(io.BytesIO(data), chunk_bytes=3)
    assert check_stream(io.BytesIO(data), errors="replace", chunk_bytes=3) == 21
    with pytest.raises(InputError, match="NUL byte at offset 7"):
        check_stream(io.BytesIO(b"abcdefg\x00"), errors="replace", chunk_bytes=3)


def test_checked_source_spools_a_pipe_beyond_memory_to_disk():
    data = "naïve café ".encode() * 5000
    src = checked_source(io.BufferedReader(_Pipe(data)), memory_bytes=1000)
    try:
        assert src._rolled  # went to an (unlinked) temporary file
        assert "".join(iter_text_chunks(src, chunk_bytes=7)) == data.decode()
    finally:
        src.close()


def test_checked_source_refuses_a_pipe_before_returning():
    with pytest.raises(InputError, match="NUL byte at offset 3000000"):
        checked_source(io.BufferedReader(_Pipe(b"x" * 3_000_000 + b"\x00")))


def test_checked_source_rewinds_a_regular_file(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes(b"head|" + "body é".encode() * 100)
    with f.open("rb") as fh:
        fh.read(5)
        src = checked_source(fh)
        assert src is fh and fh.tell() == 5
        assert fh.read().decode() == "body é" * 100
    f.write_bytes(b"ok" * 10 + b"\xc3")
    with f.open("rb") as fh, pytest.raises(InputError, match=f"{f.name}: invalid UTF-8"):
        checked_source(fh, name=str(f))


class _Failing(_Pipe):
    def readinto(self, buf) -> int:
        raise OSError(5, "Input/output error")


def test_read_error_names_the_input():
    with pytest.raises(InputError, match=r"<stdin>: cannot read \(Input/output error\)"):
        check_stream(_Failing(b""), name="<stdin>")
    with pytest.raises(InputError, match="x.txt: cannot read"):
        next(iter_text_chunks(_Failing(b""), name="x.txt"))
