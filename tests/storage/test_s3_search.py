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


def test_s3_index_cache_follows_the_store(tmp_path, s3, bucket, make_store, monkeypatch):
    """Two machines: a stale local copy is replaced by the store's newer version, and a
    publish that lost the race takes the other machine's version and publishes again."""
    from crawler.search.index import update_and_publish
    from tests.observe.corpus import PAGES_B, RUN_B
    from tests.reader.storebuilder import write_run

    local = tmp_path / "local"
    build_corpus(local, second_run=False)
    _upload_tree(s3, bucket, local)
    a, b = make_store(spool_root=tmp_path / "a"), make_store(spool_root=tmp_path / "b")
    index_a, r = update_and_publish(a, open_index(a))
    assert r.records == 3
    etag1 = s3.head_object(Bucket=bucket, Key=f"arch/{INDEX_KEY}")["ETag"]
    c = make_store(spool_root=tmp_path / "c")  # a third machine takes a copy of version 1
    with open_index(c) as index_c:
        assert index_c.stats()["articles"] == 3
    # a new run lands; machine B indexes and publishes it first
    write_run(local, RUN_B, PAGES_B)
    _upload_tree(s3, bucket, local)
    index_b, r = update_and_publish(b, open_index(b))
    assert r.records == 2 and index_b.stats()["articles"] == 5
    index_b.close()
    # machine A, still holding the first version open, indexes the run too: its publish
    # conflicts, it takes B's version and publishes on top of it
    import crawler.search.index as search_index

    reopened = []
    real_open = search_index.open_index
    monkeypatch.setattr(search_index, "open_index", lambda *a, **k: reopened.append(a) or real_open(*a, **k))
    index_a, r = update_and_publish(a, index_a)
    assert len(reopened) == 1  # the conditional write lost once: B's version taken, then published
    assert index_a.stats()["articles"] == 5
    index_a.close()
    assert s3.head_object(Bucket=bucket, Key=f"arch/{INDEX_KEY}")["ETag"] != etag1
    # the third machine's copy is stale: opening the index takes the store's version
    with open_index(c) as index_c:
        assert index_c.stats()["articles"] == 5 and index_c.update(c).parts == 0
