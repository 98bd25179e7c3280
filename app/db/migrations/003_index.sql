-- The index as versions (index/postgres.py): a version is written whole under a new id, then made current for
-- its channel in the same transaction; servers poll index_current and load the version it names. The version
-- before stays readable (a server may still be loading it) and is dropped at the next publish.
-- No foreign keys on the version's rows: COPY writes millions of them, and only a publish deletes them.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE index_versions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel text NOT NULL,  -- 'served': what the servers answer from; 'eval/…': an evaluation's own index
  name text NOT NULL,  -- the name of the version folder it was built in (v20261205-121500-1a2b3c4d)
  schema integer NOT NULL,  -- index/store.py's SCHEMA_VERSION
  meta jsonb NOT NULL,  -- embedder, dim, corpus, chunking, ocr
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE index_current (
  channel text PRIMARY KEY,
  version bigint NOT NULL REFERENCES index_versions (id)
);

-- The columns of index/store.py's dataclasses; ord keeps the order the files' store reads them in.
CREATE TABLE index_documents (
  version bigint NOT NULL, ord integer NOT NULL, id text NOT NULL, path text NOT NULL, sha256 text NOT NULL,
  pages integer NOT NULL, kind text NOT NULL, act_number text, seance_date text, objet text, rapporteur text,
  receipt_id text, council text, collectivite text, president text, published_date text, receipt_date text,
  source text, siret text, url text, published text, filled text,
  PRIMARY KEY (version, id)
);
CREATE TABLE index_chunks (
  version bigint NOT NULL, row integer NOT NULL, doc_id text NOT NULL, text text NOT NULL, context text NOT NULL,
  page integer NOT NULL, page_start integer NOT NULL, page_end integer NOT NULL, affaire integer,
  terms integer NOT NULL,  -- its length in terms, as BM25 counts it
  unit integer NOT NULL,  -- its unit in index_units (-1: none)
  PRIMARY KEY (version, row)
);
CREATE TABLE index_affaires (
  version bigint NOT NULL, ord integer NOT NULL, doc_id text NOT NULL, idx integer NOT NULL, number integer,
  title text NOT NULL, page integer NOT NULL, vote text, vote_page integer, pour integer, contre integer,
  abstention integer, ne_prend_pas_part integer, outcome text, dissenters text, rapporteur text, link_doc text,
  link_idx integer, act_number text, abstainers text, date text, start_word integer,
  PRIMARY KEY (version, doc_id, idx)
);
CREATE TABLE index_pages (
  version bigint NOT NULL, doc_id text NOT NULL, page integer NOT NULL, text text NOT NULL,
  PRIMARY KEY (version, doc_id, page)
);
CREATE TABLE index_skipped (
  version bigint NOT NULL, path text NOT NULL, sha256 text NOT NULL, reason text NOT NULL,
  PRIMARY KEY (version, path)
);
-- Any dimension: the embedder's (meta->>'dim'); no ANN index while search runs in the servers' memory.
CREATE TABLE index_vectors (
  version bigint NOT NULL, row integer NOT NULL, embedding vector NOT NULL,
  PRIMARY KEY (version, row)
);
-- Affaires as retrieval units (index/units.py): one per affaire (affaire = its idx) or per document (-1).
CREATE TABLE index_units (
  version bigint NOT NULL, unit integer NOT NULL, doc_id text NOT NULL, affaire integer NOT NULL,
  terms integer NOT NULL,
  PRIMARY KEY (version, unit)
);
-- The lexical index: each stemmed term of index/lexical.py's French analysis, where it occurs, how often.
CREATE TABLE index_postings (
  version bigint NOT NULL, term text NOT NULL, row integer NOT NULL, tf integer NOT NULL,
  PRIMARY KEY (version, term, row)
);
CREATE TABLE index_unit_postings (
  version bigint NOT NULL, term text NOT NULL, unit integer NOT NULL, tf integer NOT NULL,
  PRIMARY KEY (version, term, unit)
);
