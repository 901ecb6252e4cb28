"""The storage interface and the local-folder backend.

Files are produced in a local *spool* folder first (WARCs grow there as ``.open``,
JSON Lines parts likewise) and handed to the store with :meth:`Store.put_file` only
when complete.  The local backend makes that an atomic rename inside the store
folder, so a final key never names a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlparse
from urllib.request import url2pathname


class StoreError(RuntimeError):
    """The store cannot be used (unwritable folder, unreachable endpoint...)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "size": self.size, "sha256": self.sha256}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


class Store(ABC):
    """A place that keeps the crawl's artefacts under the keys of ``layout``."""

    uri: str

    @abstractmethod
    def check_writable(self) -> None:
        """Raise :class:`StoreError` if nothing can be written."""

    @abstractmethod
    def spool_dir(self, name: str) -> Path:
        """A local working folder for files being produced (kept until handed over)."""

    @abstractmethod
    def state_dir(self) -> Path:
        """A local folder for state databases (synchronised by backends that need it)."""

    @abstractmethod
    def put_file(self, local_path: Path, key: str) -> StoredObject:
        """Store a complete local file under ``key`` and remove the local copy."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> StoredObject: ...

    @abstractmethod
    def open_read(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, sorted."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """The key as a local file path, when the backend has one."""
        return None

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes of ``key`` from ``offset`` (e.g. one WARC record).

        Backends override this with a real range read; the generic version seeks when
        the stream can, else reads forward to ``offset`` (correct, but reads the prefix)."""
        with self.open_read(key) as fh:
            try:
                seekable = fh.seekable()
            except (AttributeError, OSError):
                seekable = False
            if seekable:
                fh.seek(offset)
            else:
                remaining = offset
                while remaining:
                    chunk = fh.read(min(remaining, 1 << 20))
                    if not chunk:
                        return b""
                    remaining -= len(chunk)
            out = bytearray()
            while len(out) < length:
                chunk = fh.read(length - len(out))
                if not chunk:
                    break
                out += chunk
            return bytes(out)


class LocalStore(Store):
    """A folder on the local file system with the store layout."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.uri = self.root.as_uri()

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"store {self.root} is not writable: {exc.strerror or exc}") from exc

    def spool_dir(self, name: str) -> Path:
        path = self.root / ".spool" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def state_dir(self) -> Path:
        path = self.root / "state"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _target(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if self.root not in target.parents:
            raise StoreError(f"key escapes the store: {key!r}")
        return target

    def put_file(self, local_path: Path, key: str) -> StoredObject:
        target = self._target(key)
        if target.exists():
            raise StoreError(f"refusing to overwrite existing object {key}")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = sha256_file(local_path)
        size = local_path.stat().st_size
        try:
            os.replace(local_path, target)
        except OSError:  # another file system: copy under a temporary name, then rename
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, target)
            local_path.unlink()
        return StoredObject(key, size, digest)

    def put_bytes(self, key: str, data: bytes) -> StoredObject:
        target = self._target(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return StoredObject(key, len(data), hashlib.sha256(data).hexdigest())

    def open_read(self, key: str) -> BinaryIO:
        return open(self._target(key), "rb")

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        with open(self._target(key), "rb") as fh:
            fh.seek(offset)
            return fh.read(length)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        if base.is_file():
            yield prefix
            return
        if not base.exists():
            return
        keys = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for fn in filenames:
                if fn.startswith(".") or fn.endswith((".tmp", ".part", ".open")):
                    continue
                keys.append(Path(dirpath, fn).relative_to(self.root).as_posix())
        yield from sorted(keys)

    def exists(self, key: str) -> bool:
        return self._target(key).exists()

    def local_path(self, key: str) -> Path | None:
        return self._target(key)


def open_store(uri: str | os.PathLike[str], **options: object) -> Store:
    """A store for a local path, ``file://`` URI, or ``s3://bucket/prefix``.

    ``options`` are passed to :class:`crawler.storage.s3.S3Store` for ``s3://`` URIs
    (endpoint_url, region_name, addressing_style, profile, ...)."""
    text = os.fspath(uri)
    parsed = urlparse(text)
    if parsed.scheme == "file":
        return LocalStore(url2pathname(parsed.path))
    if parsed.scheme in ("", ) or (len(parsed.scheme) == 1 and os.name == "nt"):
        return LocalStore(text)
    if parsed.scheme == "s3":
        from crawler.storage.s3 import S3Store  # boto3 is imported only for s3://

        return S3Store(text, **options)  # type: ignore[arg-type]
    raise StoreError(f"unsupported store URI {text!r} (use a folder path, file:// or s3://)")
