"""Transcript readers: every accepted format, and every way a transcript file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wanjeon.adapters.files import load_transcript
from wanjeon.errors import InputError, TranscriptError
from wanjeon.transcript.model import Speaker, Transcript, Word


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def speakers(transcript: Transcript) -> list[Speaker]:
    return [segment.speaker for segment in transcript.segments]


# --- JSON and YAML ---------------------------------------------------------------------------


def test_a_json_transcript_keeps_language_speakers_times_and_text(tmp_path: Path) -> None:
    data = {
        "language": "ko",
        "segments": [
            {"speaker": "agent", "start": 0.0, "end": 4.2, "text": " 지금부터 상담 내용은 녹취됩니다. "},
            {"speaker": "customer", "start": 4.5, "end": 5.1, "text": "네."},
        ],
    }
    transcript = load_transcript(write(tmp_path, "t.json", json.dumps(data, ensure_ascii=False)))
    assert transcript.language == "ko"
    assert speakers(transcript) == [Speaker.AGENT, Speaker.CUSTOMER]
    assert transcript.segments[0].text == "지금부터 상담 내용은 녹취됩니다."
    assert (transcript.segments[1].start, transcript.segments[1].end) == (4.5, 5.1)


def test_a_bare_json_list_is_read_as_the_segments(tmp_path: Path) -> None:
    path = write(tmp_path, "t.json", '[{"speaker": "unknown", "text": "여보세요"}]')
    transcript = load_transcript(path)
    assert transcript.segments[0].speaker is Speaker.UNKNOWN
    assert transcript.segments[0].start is None


def test_a_yaml_transcript_may_carry_words_confidence_name_and_language_per_segment(tmp_path: Path) -> None:
    text = """\
segments:
  - speaker: 직원
    name: 최유나
    language: ko
    start: 1
    end: 2.5
    confidence: 0.9
    text: 안녕하세요
    words: [{text: 안녕하세요, start: 1.0, end: 2.5, confidence: 0.8}]
"""
    segment = load_transcript(write(tmp_path, "t.yml", text)).segments[0]
    assert segment.speaker is Speaker.AGENT
    assert segment.confidence == 0.9
    assert segment.words == (Word("안녕하세요", 1.0, 2.5, 0.8),)


def test_a_json_segment_ending_before_it_starts_is_an_error_naming_the_segment(tmp_path: Path) -> None:
    data = [{"speaker": "agent", "text": "a"}, {"speaker": "agent", "start": 4.2, "end": 3.0, "text": "b"}]
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.json", json.dumps(data)))
    assert caught.value.field == "segments[1].end"
    assert caught.value.reason == "end (3.0) is before start (4.2)"


def test_an_unknown_speaker_in_json_is_an_error_listing_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.json", '[{"speaker": "teller", "text": "a"}]'))
    assert caught.value.field == "segments[0].speaker"
    assert caught.value.reason.startswith("unknown value 'teller'; expected one of agent, customer")


def test_a_json_transcript_with_zero_segments_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="no segments"):
        load_transcript(write(tmp_path, "t.json", '{"language": "ko", "segments": []}'))


def test_a_segment_with_only_whitespace_is_an_error_naming_its_index(tmp_path: Path) -> None:
    data = [{"speaker": "agent", "text": "네"}, {"speaker": "customer", "text": "   "}]
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.json", json.dumps(data)))
    assert (caught.value.field, caught.value.reason) == ("segments[1].text", "text is empty")


def test_an_unknown_key_in_a_segment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.json", '[{"speaker": "agent", "text": "a", "spkr": 1}]'))
    assert caught.value.field == "segments[0].spkr"
    assert caught.value.reason.startswith("unknown field")


def test_broken_json_is_an_error_with_its_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.json", '{"segments": [\n  {"speaker": "agent" "text": "a"}]}'))
    assert caught.value.reason.startswith("not valid JSON: Expecting ',' delimiter (line 2")


def test_broken_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.yaml", "segments:\n  - {speaker: agent, text: [a}\n"))
    assert caught.value.reason.startswith("not valid YAML:")
    assert "line 2" in caught.value.reason


# --- plain text ------------------------------------------------------------------------------


def test_plain_text_lines_map_korean_and_english_speaker_labels(tmp_path: Path) -> None:
    text = "직원: 안녕하세요\n고객: 네\n\nAgent: 상담원입니다\nCUSTOMER: 네에\n상담원 : 네\nunknown: 음\n"
    transcript = load_transcript(write(tmp_path, "t.txt", text))
    assert speakers(transcript) == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
        Speaker.UNKNOWN,
    ]
    assert all(segment.start is None and segment.end is None for segment in transcript.segments)


def test_plain_text_accepts_a_full_width_colon_and_keeps_later_colons_in_the_text(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.txt", "직원：만기는 10:30에 확인됩니다\r\n"))
    assert transcript.segments[0].text == "만기는 10:30에 확인됩니다"


def test_a_plain_text_line_with_an_unknown_speaker_is_an_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.txt", "직원: 안녕하세요\n\n손님: 네\n"))
    assert caught.value.reason.startswith("line 3: unknown speaker '손님'")


def test_a_plain_text_line_without_a_speaker_is_an_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="line 2: expected 'SPEAKER: text'"):
        load_transcript(write(tmp_path, "t.txt", "직원: 안녕하세요\n그냥 문장\n"))


def test_a_plain_text_speaker_with_nothing_said_is_an_error_naming_index_and_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.txt", "직원: 안녕하세요\n\n고객:   \n"))
    assert (caught.value.field, caught.value.reason) == ("segments[1].text", "text is empty (line 3)")


def test_a_blank_plain_text_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="empty"):
        load_transcript(write(tmp_path, "t.txt", "\n  \n"))


def test_a_ten_megabyte_line_is_refused_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", b"\xec\xa7\x81\xec\x9b\x90: a\n\n" + b"x" * (10 * 1024 * 1024) + b"\n")
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert caught.value.reason == "line 3 is longer than 1 MB"


# --- WebVTT ----------------------------------------------------------------------------------

VTT = """\
WEBVTT
Language: ko

NOTE 녹화 파일에서 자동 생성

STYLE
::cue { color: white }

1
00:00:00.000 --> 00:00:03.700 align:start
<v agent>고객님, 화면 잘 <c.yellow>보이세요</c>?</v>

00:00:04.700 --> 00:00:07.100
<v.loud customer>네, 잘 보여요. &amp; 들려요.

01:02:03.500 --> 01:02:04.000
직원: 다행이네요.
"""


def test_a_vtt_cue_with_a_voice_tag_carries_the_speaker(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.vtt", VTT))
    assert speakers(transcript) == [Speaker.AGENT, Speaker.CUSTOMER, Speaker.AGENT]
    assert transcript.segments[1].text == "네, 잘 보여요. & 들려요."


def test_vtt_timings_become_seconds_and_identifiers_notes_and_styles_are_skipped(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.vtt", VTT))
    assert len(transcript.segments) == 3
    assert [(s.start, s.end) for s in transcript.segments] == [(0.0, 3.7), (4.7, 7.1), (3723.5, 3724.0)]


def test_vtt_inline_tags_are_stripped_and_a_text_prefix_names_the_speaker(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.vtt", VTT))
    assert transcript.segments[0].text == "고객님, 화면 잘 보이세요?"
    assert transcript.segments[2].text == "다행이네요."


def test_a_vtt_cue_without_a_speaker_is_unknown_and_its_lines_are_joined(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n여보세요\n들리세요?\n"
    segment = load_transcript(write(tmp_path, "t.vtt", text)).segments[0]
    assert (segment.speaker, segment.text, segment.start) == (Speaker.UNKNOWN, "여보세요 들리세요?", 1.0)


def test_a_vtt_cue_holding_two_voices_becomes_two_segments(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v agent>이해되셨어요?\n<v customer>네.\n"
    transcript = load_transcript(write(tmp_path, "t.vtt", text))
    assert [(s.speaker, s.text) for s in transcript.segments] == [
        (Speaker.AGENT, "이해되셨어요?"),
        (Speaker.CUSTOMER, "네."),
    ]


def test_a_vtt_voice_with_an_unknown_name_is_an_error_naming_the_line(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Speaker 1>네.\n"
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.vtt", text))
    assert caught.value.field == "segments[0].speaker"
    assert "'Speaker 1'" in caught.value.reason and "(line 4)" in caught.value.reason


def test_a_vtt_file_without_the_header_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="must start with 'WEBVTT'"):
        load_transcript(write(tmp_path, "t.vtt", "00:01.000 --> 00:02.000\n<v agent>네.\n"))


def test_a_vtt_cue_with_a_malformed_timing_is_an_error_naming_the_line(tmp_path: Path) -> None:
    text = "WEBVTT\n\n1\n00:01 --> 00:02\n<v agent>네.\n"
    with pytest.raises(TranscriptError, match="line 4: expected a cue timing"):
        load_transcript(write(tmp_path, "t.vtt", text))


def test_a_vtt_cue_ending_before_it_starts_is_an_error(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:05.000 --> 00:02.000\n<v agent>네.\n"
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.vtt", text))
    assert caught.value.field == "segments[0].end"
    assert caught.value.reason == "end (2.0) is before start (5.0) (line 3)"


def test_a_vtt_cue_with_no_text_is_an_error_naming_its_index(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v agent>네.\n\n00:03.000 --> 00:04.000\n<v customer><i></i>\n"
    with pytest.raises(TranscriptError) as caught:
        load_transcript(write(tmp_path, "t.vtt", text))
    assert (caught.value.field, caught.value.reason) == ("segments[1].text", "text is empty (line 7)")


def test_a_vtt_file_with_only_a_header_has_no_segments(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="no segments"):
        load_transcript(write(tmp_path, "t.vtt", "WEBVTT\n\nNOTE nothing yet\n"))


# --- SRT -------------------------------------------------------------------------------------

SRT = """\
1
00:00:01,000 --> 00:00:04,250
직원: 지금부터 녹취됩니다.

2
00:00:05,000 --> 00:00:06,000
고객: 네.
"""


def test_an_srt_file_gives_timed_segments_with_speakers_from_prefixes(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.srt", SRT))
    assert [(s.speaker, s.start, s.end, s.text) for s in transcript.segments] == [
        (Speaker.AGENT, 1.0, 4.25, "지금부터 녹취됩니다."),
        (Speaker.CUSTOMER, 5.0, 6.0, "네."),
    ]


def test_an_srt_block_without_a_timing_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="line 6: expected a cue timing"):
        load_transcript(write(tmp_path, "t.srt", SRT.replace("00:00:05,000 --> 00:00:06,000", "00:00:05")))


# --- detection and file-level failures -------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "first_speaker"),
    [
        (VTT, Speaker.AGENT),
        (SRT, Speaker.AGENT),
        ('{"segments": [{"speaker": "customer", "text": "네"}]}', Speaker.CUSTOMER),
        ("segments:\n  - {speaker: customer, text: 네}\n", Speaker.CUSTOMER),
        ("고객: 네\n", Speaker.CUSTOMER),
    ],
    ids=["vtt", "srt", "json", "yaml", "text"],
)
def test_a_file_without_a_known_extension_is_recognised_by_its_content(
    tmp_path: Path, content: str, first_speaker: Speaker
) -> None:
    transcript = load_transcript(write(tmp_path, "recording.transcript", content))
    assert transcript.segments[0].speaker is first_speaker


def test_a_missing_transcript_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.vtt"
    with pytest.raises(InputError) as caught:
        load_transcript(path)
    assert (caught.value.source, caught.value.reason) == (str(path), "file not found")


def test_a_directory_given_as_a_transcript_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="is a directory"):
        load_transcript(tmp_path)


def test_a_transcript_that_is_not_utf8_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "직원: 안녕하세요\n".encode() + "고객: 네\n".encode("euc-kr"))
    with pytest.raises(TranscriptError, match=r"not UTF-8 text \(byte 0x\w\w on line 2\)"):
        load_transcript(path)


def test_a_file_over_twenty_megabytes_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(TranscriptError, match="the limit is 20 MB"):
        load_transcript(path)
