"""The WARC writer's own serialisation: one gzip member per record, byte-exact blocks,
offsets that point at member boundaries, one-line header values; rotated files indexed
and stored off the reactor thread."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import zlib
from base64 import b32encode

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.writer import WarcFileWriter


def _http(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


def test_members_are_exact_records(tmp_path):
    w = WarcFileWriter(tmp_path, prefix="t")
    sizes = [0, 10, 3_000, 40_000, 2_000_000]
    blocks = [_http(bytes(range(256)) * (n // 256) + b"x" * (n % 256)) for n in sizes]
    locs = [w.write_record("response", f"http://example.com/{i}", io.BytesIO(b),
                           content_type="application/http; msgtype=response", payload_start=b.index(b"\r\n\r\n") + 4)
            for i, b in enumerate(blocks)]
    path = w.close()
    raw = path.read_bytes()
    for loc, block in zip(locs, blocks):
        member = raw[loc.offset:loc.offset + loc.length]
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        record = d.decompress(member)
        assert d.eof and not d.unused_data  # exactly one gzip member
        head, _, rest = record.partition(b"\r\n\r\n")
        assert head.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")
        assert rest == block + b"\r\n\r\n"
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        assert fields["Content-Length"] == str(len(block))
        assert fields["WARC-Block-Digest"] == "sha1:" + b32encode(hashlib.sha1(block).digest()).decode()
        payload = block[block.index(b"\r\n\r\n") + 4:]
        assert fields["WARC-Payload-Digest"] == "sha1:" + b32encode(hashlib.sha1(payload).digest()).decode()
        assert loc.payload_digest == fields["WARC-Payload-Digest"]
    with open(path, "rb") as fh:  # and warcio agrees, digests checked
        recs = list(ArchiveIterator(fh, check_digests="raise"))
    assert [r.rec_type for r in recs] == ["warcinfo"] + ["response"] * len(blocks)


def test_header_values_stay_on_one_line(tmp_path):
    w = WarcFileWriter(tmp_path, prefix="t")
    w.write_metadata("http://example.com/", [("fetchError", "TimeoutError: line one\r\nline two")], "<urn:uuid:x>")
    w.write_record("resource", "http://example.com/r", io.BytesIO(b"x"), content_type="text/plain",
                   headers={"WARC-Source-Note": "a\nb"})
    path = w.close()
    with open(path, "rb") as fh:
        recs = [(r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert recs[1][1] == b"fetchError: TimeoutError: line one line two\r\n"
    assert recs[2][0].get_header("WARC-Source-Note") == "a b"


def test_rotated_warcs_finished_off_the_calling_thread(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler

    from crawler.archive import cdxj
    from crawler.archive.archiver import Archiver
    from crawler.context import RunContext

    threads: list[str] = []
    real = cdxj.write_cdxj

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(cdxj, "write_cdxj", spy)
    crawler = get_crawler(settings_dict={"CRAWLER_STORE": str(tmp_path / "store"), "WARC_MAX_SIZE": 3000,
                                         "DEDUP_ENABLED": False})
    archiver = Archiver.from_crawler(crawler)
    for i in range(6):
        archiver.writer.write_record("resource", f"http://example.com/{i}", io.BytesIO(random.Random(i).randbytes(2000)),
                                     content_type="application/octet-stream")
    archiver.close()
    ctx = RunContext.of(crawler)
    warcs = [f for f in ctx.files if f["kind"] == "warc"]
    indexes = [f for f in ctx.files if f["kind"] == "cdxj"]
    assert len(warcs) >= 3 and len(indexes) == len(warcs)
    assert threads and all(name.startswith("warc-finisher") for name in threads)
    for f in warcs + indexes:
        assert (tmp_path / "store" / f["key"]).is_file()
