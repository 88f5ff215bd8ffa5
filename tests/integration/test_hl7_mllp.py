"""MLLP framing and the streaming decoder: partial frames, several per read, limits, garbage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.adapters.hl7.mllp import END, START, Frame, FrameError, MllpDecoder, frame

MSG_A = b"MSH|^~\\&|A\rOBX|1\r"
MSG_B = b"MSH|^~\\&|B\r"


def test_frame_wraps_message() -> None:
    assert frame(b"X") == b"\x0bX\x1c\x0d"


def test_one_frame_in_one_read() -> None:
    assert MllpDecoder().feed(frame(MSG_A)) == [Frame(MSG_A)]


def test_two_frames_in_one_read() -> None:
    assert MllpDecoder().feed(frame(MSG_A) + frame(MSG_B)) == [Frame(MSG_A), Frame(MSG_B)]


def test_frame_split_byte_by_byte_including_between_end_bytes() -> None:
    decoder = MllpDecoder()
    events = [e for byte in frame(MSG_A) for e in decoder.feed(bytes([byte]))]
    assert events == [Frame(MSG_A)]


def test_partial_frame_yields_nothing_until_complete() -> None:
    decoder = MllpDecoder()
    assert decoder.feed(START + MSG_A[:5]) == []
    assert decoder.feed(MSG_A[5:] + b"\x1c") == []
    assert decoder.feed(b"\x0d") == [Frame(MSG_A)]


def test_garbage_between_frames_is_reported_once_and_skipped() -> None:
    events = MllpDecoder().feed(frame(MSG_A) + b"\r\nnoise" + frame(MSG_B))
    assert events == [
        Frame(MSG_A),
        FrameError("garbage", "7 byte(s) outside a frame"),
        Frame(MSG_B),
    ]
    assert not events[1].needs_reply  # type: ignore[union-attr]


def test_start_byte_inside_unfinished_frame_reports_truncation() -> None:
    events = MllpDecoder().feed(START + b"MSH|cut off" + frame(MSG_B))
    assert events == [
        FrameError("truncated", "a new frame began before the end marker"),
        Frame(MSG_B),
    ]


def test_lone_fs_without_cr_is_data() -> None:
    assert MllpDecoder().feed(START + b"a\x1cb" + END) == [Frame(b"a\x1cb")]


def test_oversized_frame_is_discarded_and_next_frame_still_decodes() -> None:
    decoder = MllpDecoder(max_frame_bytes=1_048_576)
    big = frame(b"A" * (1_048_576 + 1))
    events = []
    for offset in range(0, len(big), 100_000):
        events += decoder.feed(big[offset : offset + 100_000])
    events += decoder.feed(frame(MSG_B))
    assert events == [FrameError("oversized", "frame over 1048576 bytes"), Frame(MSG_B)]
    assert len(decoder._buffer) == 0


def test_frame_of_exactly_max_size_is_accepted() -> None:
    assert MllpDecoder(max_frame_bytes=10).feed(frame(b"0123456789")) == [Frame(b"0123456789")]


payloads = st.lists(
    st.binary(max_size=300).map(lambda b: b.replace(b"\x0b", b"").replace(b"\x1c", b"")),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(payloads, st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=40))
def test_any_split_of_a_frame_stream_yields_the_same_frames(
    messages: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(frame(m) for m in messages)
    decoder = MllpDecoder()
    events = []
    position, index = 0, 0
    while position < len(stream):
        size = cuts[index % len(cuts)]
        events += decoder.feed(stream[position : position + size])
        position, index = position + size, index + 1
    assert events == [Frame(m) for m in messages]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise_and_stay_bounded(data: bytes) -> None:
    decoder = MllpDecoder(max_frame_bytes=512)
    for event in decoder.feed(data):
        assert isinstance(event, Frame | FrameError)
        if isinstance(event, Frame):
            assert len(event.payload) <= 512
    assert len(decoder._buffer) <= 512
