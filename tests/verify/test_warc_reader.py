"""The audit's strict WARC reader: both payload-digest conventions for chunked responses,
offsets and lengths as warcio's indexer computes them, corruption reported (not skipped)."""

from __future__ import annotations

import io
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from crawler.archive.writer import WarcFileWriter, payload_digest_of
from crawler.verify.streams import CorruptStream, HashingReader
from crawler.verify.warcs import WarcReader

BODY = b"<html><body>" + b"chunked article text " * 200 + b"</body></html>"


def chunked_response() -> bytes:
    chunks, pos = [], 0
    for size in (100, 1000, 7, len(BODY)):
        part = BODY[pos:pos + size]
        if not part:
            break
        chunks.append(b"%x\r\n" % len(part) + part + b"\r\n")
        pos += len(part)
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(chunks) + b"0\r\n\r\n")


def write_warc(tmp_path, convention_in_warcinfo, digest_convention):
    """One chunked response, its payload digest taken with ``digest_convention``."""
    info = {"software": "test"}
    if convention_in_warcinfo:
        info["crawl_settings"] = '{"WARC_CHUNKED_PAYLOAD_DIGEST": "%s"}' % convention_in_warcinfo
    w = WarcFileWriter(tmp_path, warcinfo=info)
    block = io.BytesIO(chunked_response())
    digest, _ = payload_digest_of(block, "sha1", dechunk=digest_convention == "entity")
    loc = w.write_record("response", "http://example.com/a", block,
                         content_type="application/http; msgtype=response",
                         headers={"WARC-Payload-Digest": digest}, payload_start=0)
    return w.close(), loc


def read(path, gzip=True):
    with open(path, "rb") as fh:
        stream = HashingReader(fh)
        reader = WarcReader(stream, gzip=gzip)
        recs = list(reader)
        stream.drain()
    return reader, recs


@pytest.mark.parametrize("written_with", ["entity", "stored"])
def test_either_convention_accepted_when_the_warcinfo_does_not_say(tmp_path, written_with):
    path, _ = write_warc(tmp_path, None, written_with)
    reader, recs = read(path)
    assert reader.convention is None
    assert [r.type for r in recs] == ["warcinfo", "response"]
    assert [p for r in recs for p in r.problems] == []


@pytest.mark.parametrize("declared,written_with,ok", [
    ("entity", "entity", True), ("stored", "stored", True),
    ("entity", "stored", False), ("stored", "entity", False)])
def test_declared_convention_is_enforced(tmp_path, declared, written_with, ok):
    path, _ = write_warc(tmp_path, declared, written_with)
    reader, recs = read(path)
    assert reader.convention == declared
    found = [p for r in recs for p in r.problems]
    assert (found == []) == ok, found
    if not ok:
        assert "payload digest mismatch" in found[0]


def test_offsets_and_lengths_match_the_writer(tmp_path):
    path, loc = write_warc(tmp_path, None, "entity")
    _, recs = read(path)
    assert (recs[1].offset, recs[1].length, recs[1].record_id) == (loc.offset, loc.length, loc.record_id)


def test_uncompressed_warc_offsets_as_warcio_computes_them(tmp_path):
    path = tmp_path / "plain.warc"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for i in range(3):
            payload = io.BytesIO(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * (100 * i + 1))
            writer.write_record(writer.create_warc_record(f"http://example.com/{i}", "response",
                                                          payload=payload))
    _, recs = read(path, gzip=False)
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        expected = [(it.get_record_offset(), it.get_record_length()) for _ in it]
    assert [(r.offset, r.length) for r in recs] == expected
    assert [p for r in recs for p in r.problems] == []


def test_flipped_payload_byte_is_a_digest_mismatch(tmp_path):
    path, loc = write_warc(tmp_path, None, "entity")
    raw = bytearray(path.read_bytes())
    member = zlib.decompress(bytes(raw[loc.offset:loc.offset + loc.length]), 16 + zlib.MAX_WBITS)
    member = member.replace(b"chunked article text", b"chunked articlE text", 1)
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    new = z.compress(member) + z.flush()
    path.write_bytes(bytes(raw[:loc.offset]) + new + bytes(raw[loc.offset + loc.length:]))
    _, recs = read(path)
    found = [p for r in recs for p in r.problems]
    assert any("block digest mismatch" in p for p in found) and any("payload digest" in p for p in found)


def test_truncated_member_is_corruption_not_the_end(tmp_path):
    path, loc = write_warc(tmp_path, None, "entity")
    path.write_bytes(path.read_bytes()[: loc.offset + loc.length // 2])
    with pytest.raises(CorruptStream, match="cut short"):
        read(path)
