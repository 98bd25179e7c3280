import shutil

import pytest

from index import store
from index.store import IndexError_, current, open_index
from ingest.pipeline import ingest
from tests.conftest import CORPUS, copy_subset


class Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


FEW = [
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf",
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061090.pdf",
    "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf",
    "comptes-rendus/CR_CM_25_07_2011.pdf",
]


@pytest.fixture
def folder(tmp_path):
    return copy_subset(tmp_path / "corpus", FEW)


def test_index_reports_documents_chunks_and_skips(index, corpus):
    paths = {d.path for d in index.documents.values()}
    assert "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf" in paths
    assert {s.path for s in index.skipped} == {"comptes-rendus/CR_CM_25_07_2011.pdf", "broken.pdf"}
    assert all(s.reason for s in index.skipped)
    chunk = next(c for c in index.chunks if "60 membres" in c.text)
    doc = index.documents[chunk.doc_id]
    assert (doc.act_number, doc.seance_date, chunk.page) == ("2013/3", "2013-02-04", 2)
    assert "Résidents Etrangers" in chunk.context
    assert index.dense.size == len(index.chunks) == index.lexical.size


def test_rerun_is_incremental(folder, tmp_path, embedder):
    root, counting = tmp_path / "index", Counting(embedder)
    first = ingest(folder, root, counting, progress=False, log=lambda _: None)
    assert len(first.added) == 3 and [s.path for s in first.skipped] == [
        "comptes-rendus/CR_CM_25_07_2011.pdf"
    ]
    published, embedded = current(root), counting.texts

    again = ingest(folder, root, counting, progress=False, log=lambda _: None)
    assert again.published is None and len(again.unchanged) == 3
    assert current(root) == published and counting.texts == embedded  # nothing re-read, nothing re-embedded

    changed = folder / FEW[1]
    shutil.copy2(CORPUS / "deliberations/Delibs_2013_02_04/2013-02-04-0000061112.pdf", changed)
    (folder / FEW[2]).unlink()
    third = ingest(folder, root, counting, progress=False, log=lambda _: None)
    assert (third.replaced, third.removed, third.unchanged) == ([FEW[1]], [FEW[2]], [FEW[0]])
    index = open_index(root)
    assert {d.path for d in index.documents.values()} == {FEW[0], FEW[1]}
    assert any("Boutographies" in c.text for c in index.chunks)
    assert not published.exists()  # the old version is gone once the new one is published
    replaced_chunks = [c for c in index.chunks if index.documents[c.doc_id].path == FEW[1]]
    assert counting.texts - embedded == len(replaced_chunks)  # only the changed file was embedded again


def test_failed_build_leaves_previous_index_untouched(folder, tmp_path, embedder, monkeypatch):
    root = tmp_path / "index"
    ingest(folder, root, embedder, progress=False, log=lambda _: None)
    before = current(root)
    (folder / FEW[0]).unlink()

    def crash(texts):
        raise OSError("disk full")

    monkeypatch.setattr(store.Lexical, "build", staticmethod(crash))
    with pytest.raises(OSError):
        ingest(folder, root, embedder, progress=False, log=lambda _: None)
    assert current(root) == before
    assert FEW[0] in {d.path for d in open_index(root).documents.values()}
    assert not [p for p in root.iterdir() if p.name.endswith(".building")]


def test_index_refuses_another_embedder(index):
    with pytest.raises(IndexError_, match="construit avec l'encodeur 'use-multilingual'"):
        index.check_embedder("st:some-other-model")


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexError_, match="registre ingest"):
        open_index(tmp_path)


def test_reading_on_several_processes_gives_the_same_index_as_one(folder, tmp_path, embedder):
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer garbage")
    one = ingest(folder, tmp_path / "one", embedder, progress=False, log=lambda _: None, workers=1)
    two = ingest(folder, tmp_path / "two", embedder, progress=False, log=lambda _: None, workers=2)
    assert (one.added, one.chunks) == (two.added, two.chunks) and len(one.added) == 3
    assert [(s.path, s.reason) for s in one.skipped] == [(s.path, s.reason) for s in two.skipped]
    assert any("PDF illisible" in s.reason for s in two.skipped)  # a worker's failure is reported, not raised
    a, b = open_index(tmp_path / "one"), open_index(tmp_path / "two")
    assert sorted(a.documents.values(), key=lambda d: d.path) == sorted(
        b.documents.values(), key=lambda d: d.path
    )
    assert [(c.doc_id, c.text, c.context, c.page) for c in a.chunks] == [
        (c.doc_id, c.text, c.context, c.page) for c in b.chunks
    ]
