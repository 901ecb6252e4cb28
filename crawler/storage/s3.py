"""S3-compatible object storage backend: ``s3://bucket/prefix``.

Works with AWS S3 and S3-compatible servers (MinIO, Ceph RGW, Cloudflare R2...).
The store has the same key layout as the local folder (``crawler.storage.layout``),
under ``prefix``.

Connection
    The boto3 client comes from the standard AWS chain (``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` and the shared
    config files, ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``, ``AWS_REGION`` /
    ``AWS_DEFAULT_REGION``), overridden by the optional keyword arguments
    ``endpoint_url``, ``region_name``, ``addressing_style`` (``"path"`` or
    ``"virtual"``; MinIO and Ceph usually want ``"path"``) and ``profile``.  Credentials
    never appear in ``uri``, ``repr()``, log lines, exception messages or manifests:
    ``uri`` is just ``s3://bucket/prefix`` and every error message is built here from
    the error *code* (with any known secret scrubbed as a second line of defence).

Spool and state folders (local)
    Files are produced in ``spool_dir(name)`` =
    ``<spool root>/<name>``, where the spool root is
    ``$NEWSARCHIVER_SPOOL/<bucket>/<prefix>`` if that variable is set, else
    ``$XDG_CACHE_HOME/newsarchiver/spool/<bucket>/<prefix>`` (``~/.cache/...`` by
    default), or the ``spool_root`` keyword argument as given.  ``state_dir()`` is
    ``<spool root>/state``: state databases live there locally; snapshots of them are
    uploaded by their owner under ``state/``.  A snapshot several writers update (the
    dedup index, :mod:`crawler.dedup.snapshot`) is read with :meth:`S3Store.get_file` /
    :meth:`S3Store.head_etag` and replaced with :meth:`S3Store.put_if` (``If-Match`` the
    ETag read, ``If-None-Match: *`` when there was none; :class:`StateConflict` when
    another writer got there first).  ``put_file(..., overwrite=True)`` and
    ``put_bytes`` overwrite unconditionally, like the local backend.

Uploads (``put_file``)
    * The file is streamed from disk (memory bounded by ``max_concurrency *
      multipart_chunksize``); files of ``multipart_threshold`` bytes or more are sent as
      a multipart upload with ``max_concurrency`` parts in flight.
    * Its SHA-256 is computed client-side, stored as object metadata ``sha256`` and
      returned in the :class:`StoredObject`.
    * No overwrite: the object is created with ``If-None-Match: *`` (on ``PutObject``
      or ``CompleteMultipartUpload``).  An endpoint that answers ``NotImplemented`` to
      the header makes the store fall back to HEAD-then-PUT for the rest of its life
      (``conditional_writes=False`` forces that mode).  An existing key raises
      :class:`StoreError` "refusing to overwrite" and the local file is kept --
      except on a *retry* (or ``upload_pending``) when the existing object has our
      size and ``sha256``: that is our own earlier attempt whose answer was lost,
      and counts as success.
    * Verification before the local copy is deleted: HEAD (size and ``sha256``
      metadata) and, with ``verify="full"``, a re-read of the whole object whose
      SHA-256 is recomputed.  ``verify="auto"`` (default) is ``"full"`` for files
      smaller than ``full_verify_max`` (64 MiB) and ``"size+metadata"`` above.
      A mismatch deletes the bad object and counts as a transient failure.
    * Multipart uploads are atomic in S3: a failed upload is aborted and never
      leaves a half-written object under the final key.

Outages: pending files (the crawl goes on)
    Transient errors (connection refused/reset, timeouts, HTTP 5xx, ``SlowDown``,
    throttling, verification mismatch) are retried by botocore (``botocore_retries``
    attempts, standard mode) and by a loop here around the whole upload + verify
    (``attempts`` tries, exponential backoff from ``backoff`` seconds, all within
    ``retry_deadline`` seconds: 5 tries / ~30 s by default).  If the endpoint is
    still failing, ``put_file`` does NOT raise: the file is moved to
    ``<spool root>/pending/<key>``, a line (key, local path, size, sha256) is
    appended to ``<spool root>/pending.jsonl``, and a :class:`PendingObject`
    (a ``StoredObject`` with ``pending=True``; ``to_dict()`` carries
    ``"pending": true``) is returned, so the manifest records the file as pending.
    For ``offline_grace`` seconds (60) after that, further puts go pending at once
    instead of waiting for the retries again; the first put after that period makes
    a single attempt (so an endpoint that stays down costs one failed try per
    period, not the full retry budget per file).  The outage state is shared by the
    stores of one process for the same endpoint and bucket.  ``put_bytes`` behaves
    the same.  Pending entries are keyed by store key: the journal and the files
    (named after their key) are enough to resume after a crash; a file moved to
    ``pending/`` whose journal line was lost is still found and uploaded.  Uploads
    are synchronous: ``put_file`` blocks its caller (the crawl's reactor thread)
    while it uploads and verifies.
    :meth:`S3Store.upload_pending` (the ``crawler upload --pending`` command, and
    the next run) uploads and verifies them, returning ``(uploaded, still_pending)``.
    Pending objects are visible to ``exists()`` and ``open_read()`` (read your own
    writes) but not to ``list()``.

Permanent errors fail fast with :class:`StoreError`: rejected credentials
(:class:`StoreAuthError`: ``InvalidAccessKeyId``, ``SignatureDoesNotMatch``,
``AccessDenied``, HTTP 403, no credentials found), missing bucket, TLS failures,
other 4xx.  They are raised (not turned into pending files): the crawl stops.

``check_writable()``
    Puts and deletes a tiny object under ``<prefix>/.probe/`` (hidden from ``list()``;
    left in place if the credentials may not delete).  Permanent errors raise
    :class:`StoreError` (the crawl command exits with code 3).  An unreachable or
    failing endpoint raises :class:`StoreUnavailable` too when
    ``require_reachable=True`` (full retry budget); by default (``False``, a short
    probe of two tries) it logs a warning and the crawl runs with local spooling
    (files go pending until ``offline_grace`` has passed, then uploads are tried
    again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterator
from urllib.parse import urlparse

from crawler.storage.base import Store, StoredObject, StoreError, sha256_file

try:  # POSIX advisory locks for the pending journal (no-op elsewhere)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
#: S3 refuses non-final parts under 5 MiB and more than 10,000 parts.
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000

_AUTH_CODES = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken",
    "ExpiredToken", "TokenRefreshRequired", "InvalidSecurity", "AllAccessDisabled",
    "AuthorizationHeaderMalformed", "AccountProblem", "InvalidClientTokenId",
    "RequestTimeTooSkewed",
}
_TRANSIENT_CODES = {
    "SlowDown", "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "RequestTimeout", "RequestTimeoutException",
    "InternalError", "ServiceUnavailable", "ServerBusy", "XMinioServerNotInitialized",
    "OperationAborted", "PriorRequestNotComplete", "IdempotentParameterMismatch",
    "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody",
}


#: (endpoint, bucket) -> monotonic time until which the endpoint is taken as down.
_OFFLINE: dict[tuple[str, str], float] = {}


class StoreUnavailable(StoreError):
    """The endpoint could not be reached or kept failing (transient errors)."""


class StateConflict(StoreError):
    """A conditional write lost: the state object changed since it was read."""


class StoreAuthError(StoreError):
    """The endpoint rejected the credentials (or no credentials were found)."""


@dataclass(frozen=True)
class PendingObject(StoredObject):
    """A file kept in the local spool because the endpoint was unavailable."""

    pending: bool = True
    spool_path: str = ""

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "pending": True}


class _Mismatch(Exception):
    """Verification failed (size or digest differ): treated as transient."""


class _Exists(Exception):
    """The key already exists (412 or HEAD before PUT)."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise StoreError(f"not an s3://bucket/prefix URI: {uri!r}")
    if "@" in parsed.netloc or parsed.query or parsed.fragment:
        raise StoreError("s3:// URI must be s3://bucket/prefix (put credentials and "
                         "options in the environment, not in the URI)")
    prefix = "/".join(p for p in parsed.path.split("/") if p)
    if any(p in (".", "..") for p in prefix.split("/")):
        raise StoreError("s3:// prefix must not contain '.' or '..' segments")
    return parsed.netloc, prefix


def _default_spool_root(bucket: str, prefix: str) -> Path:
    base = os.environ.get("NEWSARCHIVER_SPOOL")
    if base:
        root = Path(base).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(cache).expanduser() / "newsarchiver" / "spool"
    return root.joinpath(bucket, *[p for p in prefix.split("/") if p])


class S3Store(Store):
    """``s3://bucket/prefix`` (see the module docstring for the behaviour)."""

    def __init__(
        self,
        uri: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        addressing_style: str | None = None,
        profile: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        spool_root: str | Path | None = None,
        multipart_threshold: int = 64 * MiB,
        multipart_chunksize: int = 16 * MiB,
        max_concurrency: int = 4,
        verify: str = "auto",
        full_verify_max: int = 64 * MiB,
        conditional_writes: bool | None = None,
        require_reachable: bool = False,
        attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 8.0,
        retry_deadline: float = 30.0,
        botocore_retries: int = 3,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        offline_grace: float = 60.0,
        checksum_calculation: str | None = None,
        client: Any = None,
    ):
        self.bucket, self.prefix = parse_s3_uri(uri)
        self.uri = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        if verify not in ("auto", "full", "size+metadata"):
            raise ValueError("verify must be 'auto', 'full' or 'size+metadata'")
        self.multipart_threshold = max(1, int(multipart_threshold))
        self.multipart_chunksize = max(1, int(multipart_chunksize))
        self.max_concurrency = max(1, int(max_concurrency))
        self.verify = verify
        self.full_verify_max = int(full_verify_max)
        self.conditional_writes = conditional_writes
        self.require_reachable = require_reachable
        self.attempts = max(1, int(attempts))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.retry_deadline = float(retry_deadline)
        self.offline_grace = float(offline_grace)
        self.spool_root = (Path(spool_root).expanduser() if spool_root is not None
                           else _default_spool_root(self.bucket, self.prefix))
        self.pending_root = self.spool_root / "pending"
        self.journal = self.spool_root / "pending.jsonl"
        self._lock = threading.Lock()
        self._secrets = [s for s in (aws_secret_access_key, aws_session_token,
                                     os.environ.get("AWS_SECRET_ACCESS_KEY"),
                                     os.environ.get("AWS_SESSION_TOKEN")) if s]

        addressing_style = addressing_style or os.environ.get("NEWSARCHIVER_S3_ADDRESSING_STYLE")
        if addressing_style not in (None, "path", "virtual", "auto"):
            raise StoreError("addressing_style must be 'path', 'virtual' or 'auto'")
        if client is not None:
            self.client = client
        else:
            try:
                import boto3
                from botocore.config import Config
            except ImportError:  # pragma: no cover - boto3 is a dependency
                raise StoreError("s3:// stores need boto3 (pip install boto3)") from None

            from botocore.exceptions import BotoCoreError

            cfg: dict[str, Any] = dict(
                retries={"total_max_attempts": max(1, int(botocore_retries)), "mode": "standard"},
                connect_timeout=connect_timeout, read_timeout=read_timeout,
                max_pool_connections=max(10, self.max_concurrency + 2),
            )
            if addressing_style:
                cfg["s3"] = {"addressing_style": addressing_style}
            if checksum_calculation:
                cfg["request_checksum_calculation"] = checksum_calculation
            try:
                session = boto3.session.Session(
                    profile_name=profile, aws_access_key_id=aws_access_key_id,
                    aws_secret_access_key=aws_secret_access_key,
                    aws_session_token=aws_session_token)
                self.client = session.client("s3", endpoint_url=endpoint_url,
                                             region_name=region_name, config=Config(**cfg))
            except (BotoCoreError, ValueError) as exc:
                raise StoreError(self._scrub(f"cannot set up the S3 client for {self.uri}: "
                                             f"{type(exc).__name__}: {exc}")) from None
        ep = urlparse(self.client.meta.endpoint_url or "")
        self._endpoint = f"{ep.scheme}://{ep.hostname}{':%d' % ep.port if ep.port else ''}"
        # Send part checksums consistently with what botocore adds on its own.
        self._part_checksums = (
            getattr(self.client.meta.config, "request_checksum_calculation", "when_supported")
            == "when_supported")

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r}, endpoint={self._endpoint!r})"

    # ------------------------------------------------------------------ helpers
    def _full(self, key: str) -> str:
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/")):
            raise StoreError(f"invalid key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _scrub(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    @staticmethod
    def _code(exc: BaseException) -> tuple[str, int]:
        resp = getattr(exc, "response", None) or {}
        code = str(resp.get("Error", {}).get("Code", "") or "")
        status = int(resp.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if not code and status:
            code = str(status)
        return code, status

    def _is_transient(self, exc: BaseException) -> bool:
        from botocore.exceptions import (ClientError, ConnectionError, FlexibleChecksumError,
                                         HTTPClientError, IncompleteReadError, SSLError)

        if isinstance(exc, _Mismatch):
            return True
        if isinstance(exc, SSLError):
            return False
        if isinstance(exc, (ConnectionError, HTTPClientError, IncompleteReadError,
                            FlexibleChecksumError, socket.timeout,
                            ConnectionResetError, TimeoutError)):
            return True
        if isinstance(exc, ClientError):
            code, status = self._code(exc)
            if code in _AUTH_CODES or status == 403:
                return False
            if code == "NotImplemented" or status == 501:
                return False
            return code in _TRANSIENT_CODES or status >= 500 or status == 429
        return False

    def _describe(self, exc: BaseException, what: str) -> str:
        from botocore.exceptions import (ClientError, NoCredentialsError,
                                         PartialCredentialsError)

        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return (f"{what}: no usable AWS credentials found for {self.uri} (set "
                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)")
        if isinstance(exc, ClientError):
            code, status = self._code(exc)
            hint = ""
            if code in ("InvalidAccessKeyId", "InvalidClientTokenId"):
                hint = ": the access key id is not known to the endpoint"
            elif code == "SignatureDoesNotMatch":
                hint = ": the secret access key is wrong"
            elif code in ("AccessDenied", "403") or status == 403:
                hint = ": access denied (wrong credentials or missing permission)"
            elif code in ("NoSuchBucket", "404") and what.startswith("check"):
                hint = f": bucket {self.bucket!r} does not exist"
            elif code in ("ExpiredToken", "TokenRefreshRequired"):
                hint = ": the session token has expired"
            elif code == "RequestTimeTooSkewed":
                hint = ": the local clock is too far off"
            return self._scrub(f"{what}: {code or type(exc).__name__} (HTTP {status}){hint} "
                               f"[{self.uri} at {self._endpoint}]")
        return self._scrub(f"{what}: {type(exc).__name__} talking to {self._endpoint} "
                           f"for {self.uri}")

    def _permanent(self, exc: BaseException, what: str) -> StoreError:
        from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

        msg = self._describe(exc, what)
        code, status = self._code(exc) if isinstance(exc, ClientError) else ("", 0)
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)) or \
                code in _AUTH_CODES or status == 403:
            return StoreAuthError(msg)
        return StoreError(msg)

    def _retrying(self, what: str, fn: Callable[[int], Any], attempts: int | None = None) -> Any:
        """Run ``fn(attempt)``, retrying transient errors; raise StoreUnavailable at the end."""
        deadline = time.monotonic() + self.retry_deadline
        delay = self.backoff
        last: BaseException | None = None
        attempts = attempts or self.attempts
        for attempt in range(attempts):
            try:
                return fn(attempt)
            except (StoreError, OSError) as exc:
                if isinstance(exc, (ConnectionResetError, TimeoutError)):
                    last = exc
                else:
                    raise
            except Exception as exc:  # botocore errors
                from botocore.exceptions import BotoCoreError, ClientError
                if not isinstance(exc, (BotoCoreError, ClientError, _Mismatch)):
                    raise
                if not self._is_transient(exc):
                    raise self._permanent(exc, what) from None
                last = exc
            pause = min(delay, self.max_backoff) * (0.5 + random.random() / 2)
            if attempt + 1 >= attempts or time.monotonic() + pause > deadline:
                break
            logger.info("%s: transient error (%s), retry %d/%d in %.1fs", what,
                        self._describe(last, "error"), attempt + 1, attempts - 1, pause)
            time.sleep(pause)
            delay *= 2
        raise StoreUnavailable(self._describe(last, what) if last else what) from None

    # --------------------------------------------------------------- interface
    def check_writable(self, require_reachable: bool | None = None) -> None:
        require = self.require_reachable if require_reachable is None else require_reachable
        probe = self._full(f".probe/{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            self.spool_root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"spool folder {self.spool_root} is not writable: "
                             f"{exc.strerror or exc}") from None

        def attempt(_n: int) -> None:
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"ok")
            try:
                self.client.delete_object(Bucket=self.bucket, Key=probe)
            except Exception as exc:  # write-only credentials: leave the probe
                logger.debug("could not delete probe object: %s", self._describe(exc, "delete"))

        if not require and self._offline():
            logger.warning("store %s is unreachable; files are spooled in %s", self.uri,
                           self.pending_root)
            return
        try:
            # Outage tolerant: a short probe (the crawl can start spooling at once).
            self._retrying(f"check {self.uri}", attempt,
                           attempts=None if require else min(2, self.attempts))
        except StoreUnavailable as exc:
            if require:
                raise StoreUnavailable(f"{exc} (endpoint unreachable)") from None
            self._offline_until = time.monotonic() + self.offline_grace
            logger.warning("store %s is unreachable (%s); files will be spooled in %s and "
                           "uploaded later (crawler upload --pending)", self.uri, exc,
                           self.pending_root)
        else:
            self._offline_until = 0.0

    def spool_dir(self, name: str) -> Path:
        path = self.spool_root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def state_dir(self) -> Path:
        path = self.spool_root / "state"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def put_file(self, local_path: Path, key: str, *, overwrite: bool = False) -> StoredObject:
        local_path = Path(local_path)
        full = self._full(key)
        if not overwrite and self._pending_path(key).exists():
            raise StoreError(f"refusing to overwrite existing object {key} (pending upload)")
        size = local_path.stat().st_size
        digest = sha256_file(local_path)
        if self._offline():
            return self._make_pending(local_path, key, size, digest, "endpoint offline")
        try:
            obj = self._upload_verified(local_path, full, key, size, digest, overwrite=overwrite,
                                        attempts=1 if self._after_outage() else None)
        except StoreUnavailable as exc:
            self._offline_until = time.monotonic() + self.offline_grace
            return self._make_pending(local_path, key, size, digest, str(exc))
        self._offline_until = 0.0
        local_path.unlink()
        return obj

    def put_bytes(self, key: str, data: bytes) -> StoredObject:
        full = self._full(key)
        digest = hashlib.sha256(data).hexdigest()
        if not self._offline():
            try:
                def attempt(_n: int) -> StoredObject:
                    self.client.put_object(Bucket=self.bucket, Key=full, Body=data,
                                           Metadata={"sha256": digest})
                    self._verify(full, len(data), digest, full_read=True)
                    return StoredObject(key, len(data), digest)

                obj = self._retrying(f"upload {key}", attempt,
                                     attempts=1 if self._after_outage() else None)
                self._offline_until = 0.0
                return obj
            except StoreUnavailable as exc:
                self._offline_until = time.monotonic() + self.offline_grace
                reason = str(exc)
        else:
            reason = "endpoint offline"
        self.pending_root.mkdir(parents=True, exist_ok=True)
        tmp = self.pending_root / f".bytes-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        tmp.write_bytes(data)
        return self._make_pending(tmp, key, len(data), digest, reason, overwrite=True)

    # ------------------------------------------------------------ state objects
    # Objects under state/ that several writers update (the dedup index snapshot) are
    # read and written with their ETag: a writer replaces only the version it read.
    @property
    def identity(self) -> str:
        """``endpoint|s3://bucket/prefix``: what a local cache of this store is a cache of
        (two endpoints may have buckets of the same name, e.g. a new test server)."""
        return f"{self._endpoint}|{self.uri}"

    def is_offline(self) -> bool:
        """The endpoint failed lately (see ``offline_grace``): don't wait on it."""
        return self._offline()

    def head_etag(self, key: str) -> str | None:
        """The ETag of ``key`` in the store (never a pending local copy), or None."""
        head = self._head(self._full(key))
        return head.get("ETag") if head is not None else None

    def get_file(self, key: str, dest: Path) -> str | None:
        """Download ``key`` to ``dest``; returns the ETag of the version read, or None
        when there is no such object."""
        from botocore.exceptions import ClientError

        full = self._full(key)

        def attempt(_n: int) -> str | None:
            try:
                resp = self.client.get_object(Bucket=self.bucket, Key=full)
            except ClientError as exc:
                code, status = self._code(exc)
                if status == 404 or code in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
            tmp = Path(dest).with_name(Path(dest).name + ".part")
            with contextlib.closing(resp["Body"]) as body, open(tmp, "wb") as out:
                for chunk in body.iter_chunks(1024 * 1024):
                    out.write(chunk)
            os.replace(tmp, dest)
            return resp.get("ETag")

        return self._retrying(f"read {key}", attempt)

    def put_if(self, local_path: Path, key: str, if_match: str | None) -> str:
        """Upload ``local_path`` as ``key`` only if the stored object is still the
        version ``if_match`` (an ETag), or, with ``None``, only if there is none.
        Returns the new ETag; raises :class:`StateConflict` when another writer got
        there first.  The local file is kept."""
        from botocore.exceptions import ClientError

        local_path = Path(local_path)
        full = self._full(key)
        size = local_path.stat().st_size
        digest = sha256_file(local_path)

        def ours(head: dict[str, Any] | None) -> bool:
            return (head is not None and int(head.get("ContentLength", -1)) == size
                    and (head.get("Metadata") or {}).get("sha256") == digest)

        def attempt(n: int) -> str:
            cond: dict[str, str]
            if self.conditional_writes is False:  # no conditional writes: check, then put
                head = self._head(full)
                if (head.get("ETag") if head else None) != if_match:
                    raise StateConflict(key)
                cond = {}
            else:
                cond = {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"}
            try:
                with open(local_path, "rb") as fh:
                    resp = self.client.put_object(Bucket=self.bucket, Key=full, Body=fh,
                                                  ContentLength=size,
                                                  Metadata={"sha256": digest}, **cond)
            except ClientError as exc:
                code, status = self._code(exc)
                if code in ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey") \
                        or status in (409, 412) or (status == 404 and if_match):
                    head = self._head(full) if n else None
                    if n and ours(head):  # our earlier attempt's answer was lost
                        return head["ETag"]
                    raise StateConflict(key) from None
                if (code == "NotImplemented" or status == 501) and cond:
                    logger.warning("endpoint does not support conditional writes; %s is "
                                   "replaced after a HEAD check (not atomic)", key)
                    self.conditional_writes = False
                    return attempt(n)
                raise
            return resp.get("ETag") or self._head(full)["ETag"]

        return self._retrying(f"upload {key}", attempt)

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        pending = self._pending_path(key)
        if pending.is_file():
            with open(pending, "rb") as fh:
                fh.seek(offset)
                return fh.read(length)
        full = self._full(key)
        rng = f"bytes={offset}-{offset + length - 1}"
        return self._retrying(f"read {key}", lambda _n: self.client.get_object(
            Bucket=self.bucket, Key=full, Range=rng)["Body"].read())

    def open_read(self, key: str) -> BinaryIO:
        pending = self._pending_path(key)
        if pending.is_file():
            return open(pending, "rb")
        full = self._full(key)
        try:
            return self._retrying(f"read {key}", lambda _n: self.client.get_object(
                Bucket=self.bucket, Key=full)["Body"])
        except StoreError as exc:
            if "NoSuchKey" in str(exc):
                raise FileNotFoundError(f"no object {key} in {self.uri}") from None
            raise

    def list(self, prefix: str = "") -> Iterator[str]:
        want = prefix.strip("/")
        base = self._full(want) if want else self.prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        search = base + "/" if base else ""
        yielded_exact = False
        if want:  # the prefix itself as a key, like the local backend
            if self._head(self._full(want)) is not None:
                yielded_exact = True
        if yielded_exact:
            yield want
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": search}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._retrying(f"list {want or '/'}",
                                  lambda _n, kw=kwargs: self.client.list_objects_v2(**kw))
            for item in page.get("Contents", []):
                rel = item["Key"][strip:]
                parts = rel.split("/")
                if any(p.startswith(".") for p in parts) or rel.endswith((".tmp", ".part", ".open")):
                    continue
                yield rel
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")

    def exists(self, key: str) -> bool:
        if self._pending_path(key).is_file():
            return True
        return self._head(self._full(key)) is not None

    def local_path(self, key: str) -> Path | None:
        return None

    # ------------------------------------------------------------ upload core
    # Outage state is shared by the stores of one process on the same endpoint and
    # bucket (the CLI and the crawl open their own store objects).
    @property
    def _offline_key(self) -> tuple[str, str]:
        return (self._endpoint, self.bucket)

    @property
    def _offline_until(self) -> float:
        return _OFFLINE.get(self._offline_key, 0.0)

    @_offline_until.setter
    def _offline_until(self, value: float) -> None:
        if value:
            _OFFLINE[self._offline_key] = value
        else:
            _OFFLINE.pop(self._offline_key, None)

    def _offline(self) -> bool:
        return time.monotonic() < self._offline_until

    def _after_outage(self) -> bool:
        """The grace period of an outage has passed: try once, not the full retries."""
        return 0 < self._offline_until <= time.monotonic()

    def _head(self, full: str) -> dict[str, Any] | None:
        def attempt(_n: int) -> dict[str, Any] | None:
            from botocore.exceptions import ClientError
            try:
                return self.client.head_object(Bucket=self.bucket, Key=full)
            except ClientError as exc:
                code, status = self._code(exc)
                if status == 404 or code in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
        return self._retrying(f"head {full}", attempt)

    def _verify(self, full: str, size: int, digest: str, *, full_read: bool) -> dict[str, Any]:
        head = self.client.head_object(Bucket=self.bucket, Key=full)
        got_size = int(head.get("ContentLength", -1))
        got_digest = (head.get("Metadata") or {}).get("sha256")
        if got_size != size or got_digest != digest:
            raise _Mismatch(f"{full}: stored size/sha256 {got_size}/{got_digest} "
                            f"!= {size}/{digest}")
        if full_read:
            h = hashlib.sha256()
            n = 0
            body = self.client.get_object(Bucket=self.bucket, Key=full)["Body"]
            with contextlib.closing(body):
                for chunk in body.iter_chunks(1024 * 1024):
                    h.update(chunk)
                    n += len(chunk)
            if n != size or h.hexdigest() != digest:
                raise _Mismatch(f"{full}: re-read content differs ({n} bytes)")
        return head

    def _upload_verified(self, local_path: Path, full: str, key: str, size: int, digest: str,
                         *, overwrite: bool = False, recovering: bool = False,
                         attempts: int | None = None) -> StoredObject:
        mode = self.verify
        if mode == "auto":
            mode = "full" if size < self.full_verify_max else "size+metadata"

        def attempt(n: int) -> StoredObject:
            try:
                self._upload(local_path, full, size, digest, overwrite=overwrite)
            except _Exists:
                head = self._head(full)
                same = (head is not None and int(head.get("ContentLength", -1)) == size
                        and (head.get("Metadata") or {}).get("sha256") == digest)
                if not (same and (n > 0 or recovering)):
                    raise StoreError(f"refusing to overwrite existing object {key} "
                                     f"in {self.uri}") from None
                logger.info("%s already stored with the same sha256 (earlier attempt)", key)
            try:
                self._verify(full, size, digest, full_read=(mode == "full"))
            except _Mismatch:
                logger.warning("verification of %s failed; deleting it and retrying", key)
                with contextlib.suppress(Exception):
                    self.client.delete_object(Bucket=self.bucket, Key=full)
                raise
            return StoredObject(key, size, digest)

        return self._retrying(f"upload {key}", attempt, attempts=attempts)

    def _conditional_kwargs(self, full: str, overwrite: bool) -> dict[str, str]:
        if overwrite:
            return {}
        if self.conditional_writes is False:
            if self._head(full) is not None:
                raise _Exists()
            return {}
        return {"IfNoneMatch": "*"}

    def _call_conditional(self, fn: Callable[..., Any], full: str, overwrite: bool,
                          **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            return fn(**kwargs, **self._conditional_kwargs(full, overwrite))
        except ClientError as exc:
            code, status = self._code(exc)
            if code == "PreconditionFailed" or status == 412:
                raise _Exists() from None
            if (code == "NotImplemented" or status == 501) and "IfNoneMatch" in \
                    self._conditional_kwargs(full, overwrite):
                logger.info("endpoint does not support If-None-Match; using HEAD before PUT")
                self.conditional_writes = False
                return fn(**kwargs, **self._conditional_kwargs(full, overwrite))
            raise

    def _upload(self, local_path: Path, full: str, size: int, digest: str,
                *, overwrite: bool) -> None:
        meta = {"sha256": digest}
        if size < self.multipart_threshold:
            with open(local_path, "rb") as fh:
                def put(**kw: Any) -> Any:
                    fh.seek(0)
                    return self.client.put_object(Bucket=self.bucket, Key=full, Body=fh,
                                                  ContentLength=size, Metadata=meta, **kw)
                self._call_conditional(put, full, overwrite)
            return
        self._multipart(local_path, full, size, meta, overwrite=overwrite)

    def _multipart(self, local_path: Path, full: str, size: int, meta: dict[str, str],
                   *, overwrite: bool) -> None:
        from s3transfer.utils import ReadFileChunk

        chunk = max(self.multipart_chunksize, MIN_PART_SIZE if size > MIN_PART_SIZE else 1)
        while (size + chunk - 1) // chunk > MAX_PARTS:
            chunk *= 2
        nparts = max(1, (size + chunk - 1) // chunk)
        if not overwrite and self.conditional_writes is False and self._head(full) is not None:
            raise _Exists()
        extra = {"ChecksumAlgorithm": "CRC32"} if self._part_checksums else {}
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=full, Metadata=meta, **extra)["UploadId"]
        completed = False
        try:
            def send(number: int) -> dict[str, Any]:
                start = (number - 1) * chunk
                length = min(chunk, size - start)
                body = ReadFileChunk.from_filename(str(local_path), start, length,
                                                   enable_callbacks=False)
                with body:
                    resp = self.client.upload_part(
                        Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number,
                        Body=body, ContentLength=length, **extra)
                part = {"PartNumber": number, "ETag": resp["ETag"]}
                if resp.get("ChecksumCRC32"):
                    part["ChecksumCRC32"] = resp["ChecksumCRC32"]
                return part

            with ThreadPoolExecutor(max_workers=min(self.max_concurrency, nparts),
                                    thread_name_prefix="s3-part") as pool:
                parts = list(pool.map(send, range(1, nparts + 1)))

            def complete(**kw: Any) -> Any:
                return self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=full, UploadId=upload_id,
                    MultipartUpload={"Parts": parts}, **kw)

            self._call_conditional(complete, full, overwrite)
            completed = True
        finally:
            if not completed:
                with contextlib.suppress(Exception):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=full,
                                                       UploadId=upload_id)

    # ------------------------------------------------------------ pending
    def _pending_path(self, key: str) -> Path:
        self._full(key)  # validates
        return self.pending_root.joinpath(*PurePosixPath(key).parts)

    @contextlib.contextmanager
    def _journal_lock(self) -> Iterator[None]:
        self.spool_root.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.spool_root / "pending.lock", "a+b") as lk:
            if fcntl is not None:
                fcntl.flock(lk, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lk, fcntl.LOCK_UN)

    def _make_pending(self, local_path: Path, key: str, size: int, digest: str, reason: str,
                      *, overwrite: bool = False) -> PendingObject:
        target = self._pending_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        entry = {"key": key, "path": str(target), "size": size, "sha256": digest,
                 "overwrite": overwrite, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "endpoint": self._endpoint}
        with self._journal_lock():
            if target.exists() and not overwrite:
                raise StoreError(f"refusing to overwrite existing object {key} (pending upload)")
            os.replace(local_path, target)  # same file system: the spool root
            with open(self.journal, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        logger.warning("store %s unavailable, %s kept locally as pending (%s)", self.uri, key,
                       reason)
        return PendingObject(key, size, digest, spool_path=str(target))

    def pending(self, *, every_endpoint: bool = False) -> list[dict[str, Any]]:
        """The pending entries (last entry per key), whose local file still exists.

        The spool root is named after the bucket and prefix only: files another endpoint
        (with a bucket of the same name) left pending are not this store's, and are left
        out unless ``every_endpoint``."""
        entries: dict[str, dict[str, Any]] = {}
        if self.journal.exists():
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                try:
                    e = json.loads(line)
                except ValueError:
                    continue  # a torn last line after a crash
                entries[e["key"]] = e
        # Files moved to pending/ whose journal line was lost (crash in between).
        if self.pending_root.is_dir():
            for path in self.pending_root.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    key = path.relative_to(self.pending_root).as_posix()
                    if key not in entries:
                        entries[key] = {"key": key, "path": str(path), "size": None,
                                        "sha256": None, "overwrite": False}
        out = [e for e in entries.values() if Path(e["path"]).is_file()]
        if not every_endpoint:
            out = [e for e in out if e.get("endpoint") in (None, self._endpoint)]
        return out

    def upload_pending(self) -> tuple[int, int]:
        """Upload and verify the pending files; returns ``(uploaded, still_pending)``.

        Permanent errors (credentials, missing bucket) raise :class:`StoreError`; an
        endpoint still unavailable leaves the remaining files pending."""
        with self._journal_lock():
            todo = self.pending()
            foreign = len(self.pending(every_endpoint=True)) - len(todo)
        if foreign:
            logger.warning("%d file(s) in %s are pending for %s at another endpoint; left alone",
                           foreign, self.pending_root, self.uri)
        if not todo:
            return 0, 0
        done: set[str] = set()
        failure: StoreError | None = None
        first = True
        for entry in sorted(todo, key=lambda e: e["key"]):
            path = Path(entry["path"])
            size = path.stat().st_size
            digest = sha256_file(path)
            if entry.get("sha256") not in (None, digest) or entry.get("size") not in (None, size):
                logger.error("pending file %s changed on disk since it was spooled; kept", path)
                continue
            try:
                # the first file is a short probe: an endpoint still down costs little
                self._upload_verified(path, self._full(entry["key"]), entry["key"], size, digest,
                                      overwrite=bool(entry.get("overwrite")), recovering=True,
                                      attempts=min(2, self.attempts) if first else None)
            except StoreUnavailable as exc:
                logger.warning("upload of pending files stopped: %s", exc)
                break
            except StoreError as exc:
                failure = exc
                if isinstance(exc, StoreAuthError) or "NoSuchBucket" in str(exc):
                    break
                logger.error("%s", exc)
                continue
            first = False
            path.unlink()
            done.add(entry["key"])
            logger.info("uploaded pending %s (%d bytes)", entry["key"], size)
        with self._journal_lock():
            remaining = [e for e in self.pending(every_endpoint=True) if e["key"] not in done]
            tmp = self.journal.with_name(self.journal.name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                for e in remaining:
                    fh.write(json.dumps(e, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.journal)
            for d in sorted((p for p in self.pending_root.rglob("*") if p.is_dir()),
                            key=lambda p: len(p.parts), reverse=True) \
                    if self.pending_root.is_dir() else []:
                with contextlib.suppress(OSError):
                    d.rmdir()
        if done:
            self._offline_until = 0.0
        if failure is not None and (isinstance(failure, StoreAuthError)
                                    or "NoSuchBucket" in str(failure)):
            raise failure
        return len(done), len([e for e in remaining if e.get("endpoint") in (None, self._endpoint)])
