"""Where artefacts go: one interface (:class:`Store`), a local-folder backend today,
S3-compatible object storage through the same interface.  ``open_store(uri)`` picks
the backend from the URI."""

from crawler.storage.base import Store, StoredObject, StoreError, open_store
from crawler.storage import layout

__all__ = ["Store", "StoredObject", "StoreError", "open_store", "layout"]
