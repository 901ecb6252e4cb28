"""Search on an object store: the index is built in the local state cache, uploaded to
``state/search.sqlite3``, and restored on a machine that has no copy."""

from __future__ import annotations

from crawler.search.index import INDEX_KEY, open_index, publish
from tests.observe.corpus import PAGES_A, build_corpus


def _upload_tree(s3, bucket, root, prefix="arch"):
    for path in sorted(root.rglob("*")):
        if path.is_file() and "state" not in path.relative_to(root).parts:
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{path.relative_to(root).as_posix()}",
                          Body=path.read_bytes())


def test_s3_index_uploaded_and_restored(tmp_path, s3, bucket, make_store):
    local = tmp_path / "local"
    build_corpus(local)
    _upload_tree(s3, bucket, local)
    store = make_store()
    with open_index(store) as index:
        assert index.update(store).records == 5
        assert publish(store, index)
        assert index.search("flooding")[0][0].url == PAGES_A[0].url
    assert store.exists(INDEX_KEY)
    # another machine: its own spool/state cache, no local copy of the index
    other = make_store(spool_root=tmp_path / "other-spool")
    assert not (tmp_path / "other-spool" / "state" / "search.sqlite3").exists()
    with open_index(other) as index:
        assert index.stats()["articles"] == 5          # restored from the store
        assert index.update(other).parts == 0         # nothing new to read
        assert index.search("flooding")[0][0].url == PAGES_A[0].url
