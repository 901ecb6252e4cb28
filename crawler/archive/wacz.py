"""Package one crawl (or several) as a WACZ 1.1.1 file (https://specs.webrecorder.net/wacz/1.1.1/).

Layout of the zip::

    archive/<warc name>          the crawl's WARC files, stored (not deflated)
    indexes/index.cdx.gz         merged, sorted CDXJ in gzip blocks of 3000 lines,
                                 stored (random access), and
    indexes/index.idx            its secondary index (one line per block), the
                                 compressed-CDXJ variant ReplayWeb.page and
                                 browsertrix-crawler use; ``compressed_index=False``
                                 writes a plain ``indexes/index.cdx`` instead
    pages/pages.jsonl            ``{"format": "json-pages-1.0", ...}`` then one
                                 line per article (or HTML page)
    datapackage.json             frictionless data package: every file above with
                                 path, sha256 hash and size
    datapackage-digest.json      sha256 of datapackage.json

WARCs are streamed from disk into the zip (the store's own file when local, else a
temporary download, one at a time); nothing holds a whole archive in memory.
Valid per ``wacz validate`` of py-wacz (run from the tools venv).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from cdxj_indexer.main import CompressedWriter

from crawler.archive.cdxj import LocalCopy, index_warc, merge_sorted, parse_line, split_warc_key, warc_keys
from crawler.storage import layout

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
HTML_MIMES = ("text/html", "application/xhtml+xml")
INDEX_BLOCK_LINES = 3000
_BUF = 1024 * 1024


class WaczError(RuntimeError):
    pass


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zip_time() -> tuple[int, int, int, int, int, int]:
    return datetime.now(timezone.utc).timetuple()[:6]  # type: ignore[return-value]


def _iso_of_ts(ts: str) -> str:
    ts = (ts + "00000000000000")[:14]
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


def _software() -> str:
    from crawler import __version__

    return f"newsarchiver {__version__}"


class _HashingWriter(io.RawIOBase):
    """Wraps a zip entry stream: counts and sha256-hashes what goes through."""

    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:  # type: ignore[override]
        data = bytes(data)
        self.out.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def writable(self) -> bool:
        return True

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


class _Package:
    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.resources: list[dict[str, Any]] = []

    def _info(self, path: str, stored: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, _zip_time())
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def add_file(self, path: str, src: Path, *, stored: bool) -> None:
        size = src.stat().st_size
        with open(src, "rb") as fh, self.zf.open(self._info(path, stored), "w",
                                                 force_zip64=size > 2**31) as raw:
            out = _HashingWriter(raw)
            for block in iter(lambda: fh.read(_BUF), b""):
                out.write(block)
        self._resource(path, out)

    def add_bytes(self, path: str, data: bytes, *, stored: bool = False, listed: bool = True) -> None:
        with self.zf.open(self._info(path, stored), "w") as raw:
            out = _HashingWriter(raw)
            out.write(data)
        if listed:
            self._resource(path, out)

    def _resource(self, path: str, out: _HashingWriter) -> None:
        self.resources.append({
            "name": path.rsplit("/", 1)[-1].lower(),
            "path": path,
            "hash": out.digest,
            "bytes": out.size,
        })


def _page_id(page: dict[str, Any]) -> str:
    return hashlib.sha1(f"{page.get('ts', '')} {page['url']}".encode("utf-8")).hexdigest()[:20]


def _pages_from_articles(store, crawl_ids: list[str]) -> list[dict[str, Any]]:
    from crawler.replay.pywb import iter_articles

    pages, seen = [], set()
    for art in (a for cid in crawl_ids for a in iter_articles(store, cid)):
        url = art.get("url")
        if not url or url in seen:
            continue
        seen.add(url)
        page: dict[str, Any] = {"url": url}
        if art.get("fetched_at"):
            page["ts"] = art["fetched_at"]
        if art.get("title"):
            page["title"] = art["title"]
        if art.get("id"):
            page["id"] = str(art["id"])
        pages.append(page)
    return pages


def export_wacz(store, crawl_id: str | Iterable[str], out_path: Path, title: str | None = None, *,
                description: str | None = None, compressed_index: bool = True) -> Path:
    """Write the crawl ``crawl_id`` of ``store`` -- or several crawls, given a list of
    ids -- as one WACZ file at ``out_path`` (written under a temporary name, then
    renamed).  Returns ``out_path``."""
    out_path = Path(out_path)
    crawl_ids = [crawl_id] if isinstance(crawl_id, str) else list(dict.fromkeys(crawl_id))
    if not crawl_ids:
        raise WaczError("no crawl to export")
    label = crawl_ids[0] if len(crawl_ids) == 1 else f"{len(crawl_ids)} crawls ({crawl_ids[0]} to {crawl_ids[-1]})"
    keys = [k for cid in crawl_ids for k in warc_keys(store, cid)]
    if not keys:
        raise WaczError(f"no WARC files for crawl {', '.join(map(repr, crawl_ids))} in {store.uri}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    manifests: list[dict[str, Any]] = []
    for cid in crawl_ids:
        mkey = layout.manifest_key(cid)
        if store.exists(mkey):
            with store.open_read(mkey) as fh:
                try:
                    manifests.append(json.load(fh))
                except ValueError:
                    pass

    with tempfile.TemporaryDirectory(prefix="wacz-", dir=out_path.parent) as tmpdir:
        tmp = Path(tmpdir)
        tmp_zip = tmp / "out.wacz"
        index_files: list[Path] = []
        with zipfile.ZipFile(tmp_zip, "w", allowZip64=True) as zf:
            pkg = _Package(zf)
            # 1. WARCs, one at a time; index each while we have it locally.
            names = set()
            for n, key in enumerate(keys):
                _, name = split_warc_key(key)
                if name in names:
                    raise WaczError(f"two WARC files named {name} in {label}")
                names.add(name)
                with LocalCopy(store, key, tmp) as local:
                    pkg.add_file(f"archive/{name}", local, stored=True)
                    lines = index_warc(local, filename=name)
                ipath = tmp / f"idx-{n:05d}.cdxj"
                ipath.write_text("".join(lines), encoding="utf-8")
                index_files.append(ipath)

            # 2. Merged index (and the HTML pages found in it, for pages.jsonl).
            html_pages: list[dict[str, Any]] = []
            seen_html: set[str] = set()

            def merged() -> Iterable[str]:
                handles = [open(p, encoding="utf-8") for p in index_files]
                try:
                    for line in merge_sorted(handles):
                        _, ts, fields = parse_line(line)
                        url = fields.get("url", "")
                        if (str(fields.get("status")) == "200" and fields.get("mime") in HTML_MIMES
                                and url not in seen_html):
                            seen_html.add(url)
                            html_pages.append({"url": url, "ts": _iso_of_ts(ts)})
                        yield line
                finally:
                    for h in handles:
                        h.close()

            if compressed_index:
                cdx_gz = tmp / "index.cdx.gz"
                idx_text = io.StringIO()
                with open(cdx_gz, "wb") as data_out:
                    writer = CompressedWriter(idx_text, data_out=data_out,
                                              num_lines=INDEX_BLOCK_LINES,
                                              data_out_name="index.cdx.gz")
                    count = 0
                    for line in merged():
                        writer.write(line)
                        count += 1
                    if writer.block:
                        writer.flush()
                if count == 0:
                    raise WaczError(f"{label} has no replayable records")
                pkg.add_file("indexes/index.cdx.gz", cdx_gz, stored=True)
                pkg.add_bytes("indexes/index.idx", idx_text.getvalue().encode("utf-8"))
            else:
                cdx = tmp / "index.cdx"
                with open(cdx, "w", encoding="utf-8", newline="\n") as fh:
                    fh.writelines(merged())
                pkg.add_file("indexes/index.cdx", cdx, stored=False)

            # 3. Pages: the crawl's articles, else every HTML page captured.
            pages = _pages_from_articles(store, crawl_ids) or html_pages
            ppath = tmp / "pages.jsonl"
            with open(ppath, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(json.dumps(PAGES_HEADER) + "\n")
                for page in pages:
                    # Every line carries "id" (a column of the header line too):
                    # frictionless, run by ``wacz validate``, reads the file as a
                    # table keyed by the header line's fields and rejects rows
                    # sharing none of them as blank.
                    page = {"id": page.get("id") or _page_id(page), **page}
                    fh.write(json.dumps(page, ensure_ascii=False) + "\n")
            pkg.add_file("pages/pages.jsonl", ppath, stored=False)

            # 4. datapackage.json + digest.
            created = _now_iso()
            package: dict[str, Any] = {
                "profile": "data-package",
                "resources": pkg.resources,
                "title": title or f"newsarchiver crawl {label}",
                "created": created,
                "modified": created,
                "wacz_version": WACZ_VERSION,
                "software": _software(),
            }
            seeds = list(dict.fromkeys(s for m in manifests for s in m.get("seeds") or []))
            started = min((m["started_at"] for m in manifests if m.get("started_at")), default=None)
            finished = max((m["finished_at"] for m in manifests if m.get("finished_at")), default=None)
            desc = description or (
                ("Crawl " if len(crawl_ids) == 1 else "Crawls ") + ", ".join(crawl_ids)
                + (f" of {', '.join(seeds[:5])}" if seeds else "")
                + (f", {started} to {finished}" if started else ""))
            package["description"] = desc
            main = next((p for p in html_pages if seeds and p["url"] == seeds[0]), None)
            if main:
                package["mainPageURL"] = main["url"]
                package["mainPageDate"] = main["ts"]
            dp_bytes = json.dumps(package, indent=2).encode("utf-8")
            pkg.add_bytes("datapackage.json", dp_bytes, listed=False)
            digest = {"path": "datapackage.json",
                      "hash": "sha256:" + hashlib.sha256(dp_bytes).hexdigest()}
            pkg.add_bytes("datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8"),
                          listed=False)
        os.replace(tmp_zip, out_path)
    return out_path


def read_wacz_index(path: Path) -> list[str]:
    """All CDXJ lines of a WACZ (either index variant); for checks and tests."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "indexes/index.cdx.gz" in names:
            data = zf.read("indexes/index.cdx.gz")
            text = gzip.decompress(data).decode("utf-8")  # concatenated members
        else:
            text = zf.read("indexes/index.cdx").decode("utf-8")
    return text.splitlines(keepends=True)
