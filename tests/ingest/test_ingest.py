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


def test_text_is_made_valid_where_it_is_read():
    from ingest.pdf import valid_text

    assert valid_text("Conseil\ud821 municipal\x01") == "Conseil\ufffd municipal\ufffd"
    assert valid_text("e\u0301lu\n\tfin") == "élu\n\tfin"  # NFC; line breaks and tabs stay
    assert valid_text("a\ud821").encode("utf-8") == "a\ufffd".encode()  # encodable, where the raw text is not


class FailsOn:
    """The real embedder, failing as onnxruntime does on a lone surrogate when a text holds a chosen word."""

    def __init__(self, embedder, word):
        self.embedder, self.word = embedder, word
        self.name, self.dim = embedder.name, embedder.dim

    def embed(self, texts):
        if any(self.word in t for t in texts):
            raise UnicodeEncodeError("utf-8", self.word, 0, 1, "surrogates not allowed")
        return self.embedder.embed(texts)


def test_a_document_the_embedder_fails_on_is_skipped_and_the_others_indexed(folder, tmp_path, embedder):
    from ingest.pdf import read_pages

    def words(rel):
        return {w for p in read_pages(folder / rel) for w in p.text.split() if w.isalpha()}

    own = max(words(FEW[1]) - words(FEW[0]) - words(FEW[2]), key=len)  # a word only that act prints
    root = tmp_path / "index"
    report = ingest(folder, root, FailsOn(embedder, own), progress=False, log=lambda _: None)
    assert FEW[1] in {s.path for s in report.skipped} and FEW[1] not in report.added
    reason = next(s.reason for s in report.skipped if s.path == FEW[1])
    assert "vectorisation impossible" in reason and "UnicodeEncodeError" in reason
    index = open_index(root)
    assert {FEW[0], FEW[2]} <= {d.path for d in index.documents.values()}
    assert index.dense.size == len(index.chunks)


def test_a_fault_reading_one_documents_structure_skips_it_alone(folder, tmp_path, embedder, monkeypatch):
    from ingest import pipeline

    real = pipeline._parse

    def parse(rel, digest, pages):
        if rel == FEW[0]:
            raise IndexError("list index out of range")
        return real(rel, digest, pages)

    monkeypatch.setattr(pipeline, "_parse", parse)
    report = ingest(folder, tmp_path / "index", embedder, progress=False, log=lambda _: None, workers=1)
    assert next(s.reason for s in report.skipped if s.path == FEW[0]).startswith("structure illisible")
    assert {FEW[1], FEW[2]} <= set(report.added)
