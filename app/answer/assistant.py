"""The one answering path behind the API, the CLI and the evaluation.

1. understand the question once (question.py);
2. retrieve (hybrid BM25 + vectors), in the collectivité the question names, the acts a follow-up carries first;
3. find the sentences that answer (evidence.py) and hand them out at once (the `Sources` event);
4. answer from the structured data when a vote, an act number or a rapporteur is asked (facts.py);
5. refuse when no sentence holds the subject; else let the model phrase the answer from those sentences only;
6. check every figure and name it wrote against them (check.py); when one is not there, show the evidence.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.answer.check import Verdict, check, figures, names
from app.answer.evidence import (
    Passage,
    find_evidence,
    missing_phrases,
    printed,
    same_act,
    stem_weights,
)
from app.answer.facts import Fact, find_fact
from app.answer.question import (
    AMOUNT,
    COUNT,
    DURATION,
    NUMBER,
    PERSON,
    RAPPORTEUR,
    VOTE,
    YESNO,
    Question,
    act_keys,
    analyse,
)
from app.answer.ranker import SURE, Ranker
from index.collectivites import chunk_mask, collectivite_key, resolve
from index.french import MONTHS, fold, french_date, stem
from index.identifiers import act_key
from index.search import Filters, Hit, ranked_files, search
from index.store import Document, Index, StoredAffaire, StoredChunk
from ingest.numbers import as_printed
from models.base import LLM, Embedder

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
_MARK = re.compile(r"\[(\d{1,2})\]")
_WORD = re.compile(r"\w+")

# Below this share of the subject's weight in the best passage, the documents found do not speak of it.
SUBJECT_FLOOR = 0.3
# From this size on, a name or noun of the subject that no chunk of the corpus prints is a subject it lacks.
VOCABULARY_CHUNKS = 1000


def prompt(name: str) -> str:
    return (PROMPTS / f"{name}.fr.md").read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    file: str
    page: int
    act: str | None
    seance_date: str | None
    objet: str | None
    excerpt: str
    affaire: StoredAffaire | None = None
    sentence: str = ""  # the evidence sentence inside the excerpt (a fact's: the line it was read from)
    score: float | None = None  # the ranker's probability that the sentence answers (None for a fact's line)


@dataclass(frozen=True)
class Evidence:
    """The sentence that answers, shown to the reader before the model starts."""

    n: int  # the citation that holds it
    sentence: str
    start: int  # offsets of the sentence in the citation's excerpt
    end: int


@dataclass(frozen=True)
class Sources:
    extracts: list[Citation]
    evidence: Evidence | None = None


@dataclass
class Answer:
    text: str
    found: bool
    citations: list[Citation]
    extracts: list[Citation]  # every extract the model was given, numbered as in the answer
    retrieved_files: list[str]
    notice: str
    timings: dict[str, float | None] = field(default_factory=dict)
    structured: bool = False  # read from the structured data (vote, act number, rapporteur), not generated
    # Why there is no answer: "evidence" (no sentence holds the subject), "model" (it said so), "no_model".
    refused_by: str | None = None
    evidence: Evidence | None = None
    # The answer check: True (every figure and name stands in the evidence), False (the evidence is shown
    # instead of the generated text; check_reason says why), None (nothing generated).
    checked: bool | None = None
    check_reason: str | None = None
    generated_by: str = "ai"  # "ai", or "document" when the words shown are the document's own
    model: str | None = None  # the language model that wrote the words shown (generated_by "ai")
    index_version: str = ""  # the published index the answer was read from


def source_label(
    doc: Document, page: int, affaire: StoredAffaire | None = None, collectivite: bool = True
) -> str:
    """Say where an extract comes from, in the words a reader uses (short: every word here costs the reader
    time before the first word of the answer)."""
    number = doc.act_number or getattr(affaire, "act_number", None)
    head = doc.kind.capitalize() + (f" n° {number}" if number else "")
    held = doc.seance_date or getattr(affaire, "date", None)
    if held:
        head += f" du {french_date(held)}"
    if doc.collectivite and collectivite:
        head += f" ({doc.collectivite})"
    title = doc.objet or (affaire.title if affaire is not None else "")
    if title:
        head += f", « {title[:50]}{'…' if len(title) > 50 else ''} »"
    return f"{head}, page {page}"


class Assistant:
    """Answer questions from an index, with a model or without (then only structured answers and refusals)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder | None,
        llm: LLM | None,
        top_k: int = 3,
        extract_words: int = 40,
        max_tokens: int = 160,
        human_contact: str = "",
        llm_slot: AbstractContextManager | None = None,
    ):
        self.embedder, self.llm = embedder, llm
        self.top_k, self.extract_words, self.max_tokens = top_k, extract_words, max_tokens
        self.human_contact = human_contact
        # llama.cpp contexts are not thread-safe: one generation at a time, or the server's fair queue.
        self.llm_slot: AbstractContextManager = llm_slot or threading.Lock()
        self._system, self._not_found = prompt("system"), prompt("not_found")
        self._extract, self._answer, self._notice = prompt("extract"), prompt("answer"), prompt("notice")
        self._fact_notice, self._evidence_notice = prompt("notice_facts"), prompt("notice_evidence")
        self._absent = prompt("absent")
        # A line after the question for some kinds of asking (prompts/ask_<kind>.fr.md): the small model
        # paraphrases a reason into something else unless told to keep the document's words.
        names = [p.name.removesuffix(".fr.md") for p in PROMPTS.glob("ask_*.fr.md")]
        self._hints = {name.removeprefix("ask_"): prompt(name) for name in names}
        self.ranker = Ranker.load()  # which sentence answers: its weights read once, at start-up
        self.use_index(index)

    def use_index(self, index: Index) -> None:
        """Answer from this index from now on (a reload after an ingest)."""
        stem_weights(index)  # once, at start-up: passages weigh the question's words by rarity
        keys = {d.id: collectivite_of(d) for d in index.documents.values()}
        self._collectivites = tuple(sorted({k for k in keys.values() if k}))
        # Read once per index, not once per question: the chunks each collectivité may answer from, and
        # the chunk each act number or receipt id opens on.
        of_chunk = [keys.get(c.doc_id) for c in index.chunks]
        self._allowed = {
            name: np.array([k in (None, name) for k in of_chunk], dtype=bool) for name in self._collectivites
        }
        first_chunk: dict[str, StoredChunk] = {}
        affaire_chunk: dict[tuple[str, int | None], StoredChunk] = {}
        for c in index.chunks:
            first_chunk.setdefault(c.doc_id, c)
            affaire_chunk.setdefault((c.doc_id, c.affaire), c)
        self._by_act: dict[str, list[StoredChunk]] = {}
        self._by_receipt: dict[str, StoredChunk] = {}
        for doc in index.documents.values():
            if doc.id not in first_chunk:
                continue
            if doc.receipt_id:
                self._by_receipt[doc.receipt_id] = first_chunk[doc.id]
            for key in act_keys(doc.act_number or ""):
                self._by_act.setdefault(key, []).append(first_chunk[doc.id])
        for a in index.affaires.values():
            chunk = affaire_chunk.get((a.doc_id, a.idx))
            for key in act_keys(a.act_number or "") if chunk is not None else ():
                self._by_act.setdefault(key, []).append(chunk)  # type: ignore[arg-type]
        self._scopes: dict[str, np.ndarray] = {}
        self.index = index

    # -- the steps -------------------------------------------------------------------------------------------

    def understand(self, question: str, history: list[dict[str, str]] | None = None) -> Question:
        return analyse(question, history or [], self._collectivites)

    def scope(self, name: str) -> str:
        """The key of the collectivité a caller restricts answers to (`collectivite` in the API, `--collectivite`),
        matched forgivingly; UnknownCollectivite lists the index's when it names none of them."""
        return resolve(name, self.index.documents.values())

    def retrieve(self, q: Question, k: int = 10, scope: str | None = None) -> list[Hit]:
        """The chunks that answer best; scope (a key from `scope`) keeps those of one collectivité only,
        whatever the question names."""
        allowed = self._allowed.get(q.collectivite) if q.collectivite else None
        only = self._scope_mask(scope) if scope else None
        if only is not None:
            allowed = only if allowed is None else only & allowed
        where = Filters(q.years, q.months, q.council)
        hits = self._named_first(
            q, search(self.index, self.embedder, q.search_text, k=k, allowed=allowed, filters=where)
        )
        return hits if only is None else [h for h in hits if only[h.chunk.row]]

    def _scope_mask(self, key: str) -> np.ndarray:
        if key not in self._scopes:
            self._scopes[key] = chunk_mask(self.index, key)
        return self._scopes[key]

    def _named_first(self, q: Question, hits: list[Hit]) -> list[Hit]:
        """The acts the question (or the answer it follows) names by number come first."""
        if not q.acts and not q.receipts:
            return hits
        chunks = [self._by_receipt[r] for r in q.receipts if r in self._by_receipt]
        chunks += [c for key in q.acts for c in self._by_act.get(key, [])]
        first = [Hit(c, self.index.documents[c.doc_id], 0.0) for c in dict.fromkeys(chunks)]
        if not first:
            return hits
        top = hits[0].score if hits else 0.0
        ids = {h.chunk.row for h in first}
        return [Hit(h.chunk, h.document, top + 1.0) for h in first] + [
            h for h in hits if h.chunk.row not in ids
        ]

    def passages_for(self, q: Question, hits: list[Hit]) -> list[Passage]:
        """What the model reads: the evidence sentences of the best documents found."""
        return find_evidence(self.index, q, hits, k=self.top_k, words=self.extract_words, ranker=self.ranker)

    def _label(self, p: Passage) -> str:
        """The source label the model reads; the collectivité only where the index holds several."""
        return source_label(p.document, p.page, p.affaire, collectivite=len(self._collectivites) > 1)

    def citations(self, passages: list[Passage]) -> list[Citation]:
        return [
            Citation(
                n,
                p.document.id,
                p.document.path,
                p.page,
                p.document.act_number or getattr(p.affaire, "act_number", None),
                p.document.seance_date,
                p.document.objet or (p.affaire.title if p.affaire else None),
                p.text,
                p.affaire,
                p.sentence,
                round(p.score, 4),
            )
            for n, p in enumerate(passages, start=1)
        ]

    def messages(
        self, q: Question, passages: list[Passage], citations: list[Citation]
    ) -> list[dict[str, str]]:
        seen: set[str] = set()
        parts = []
        for c, p in zip(citations, passages, strict=True):
            # A second passage of the same document says so in a few words: every word costs time.
            source = self._label(p) if p.document.id not in seen else f"même document, page {p.page}"
            seen.add(p.document.id)
            parts.append(self._extract.format(n=c.n, source=source, text=p.text))
        block = "\n\n".join(parts)
        missing = missing_phrases(q, passages)
        if (
            missing
        ):  # the model is told, so that a look-alike ("séjour" in a cemetery tariff) is not taken for it
            quoted = " et ".join(f"« {t} »" for t in missing)
            block += "\n\n" + self._absent.format(
                terms=("les expressions " if len(missing) > 1 else "l'expression ") + quoted,
                verb="n'apparaissent" if len(missing) > 1 else "n'apparaît",
            )
        asked = f"{q.text}" if not q.previous else f"(suite de : « {q.previous[:200]} ») {q.text}"
        final = self._answer.format(extracts=block, question=asked)
        if q.asks in self._hints:
            final += "\n" + self._hints[q.asks]
        return [{"role": "system", "content": self._system}, {"role": "user", "content": final}]

    # -- the whole path --------------------------------------------------------------------------------------

    def stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        cancel: threading.Event | None = None,
        collectivite: str | None = None,
    ) -> Iterator[Sources | str | Answer]:
        """Yield the sources and the evidence sentence as soon as they are found, the answer's text pieces as
        they come, then the Answer. collectivite: a key from `scope`, to answer from that collectivité only."""
        t0 = time.perf_counter()
        q = self.understand(question, history)
        hits = self.retrieve(q, scope=collectivite)
        t_retrieval = time.perf_counter() - t0
        passages = self.passages_for(q, hits)
        files = [d.path for d in documents_in_order(hits, passages)]
        citations = self.citations(passages)
        evidence = Evidence(1, passages[0].sentence, passages[0].start, passages[0].end) if passages else None
        timings: dict[str, float | None] = {
            "retrieval_s": t_retrieval,
            "evidence_s": time.perf_counter() - t0,
            "first_token_s": None,
        }
        notice = self._notice.format(model=getattr(self.llm, "name", "aucun"))

        def done(text: str, found: bool, cited: list[Citation], **kw) -> Answer:
            timings["total_s"] = time.perf_counter() - t0
            by_ai = kw.setdefault("generated_by", "ai") == "ai"
            return Answer(text, found, cited, citations, files, kw.pop("notice", notice), timings,
                          evidence=kw.pop("evidence", evidence), index_version=self.index.version,
                          model=getattr(self.llm, "name", None) if by_ai else None, **kw)  # fmt: skip

        fact = find_fact(self.index, q, passages)
        if fact is not None:  # exact, from what the documents print: no generation
            citation = fact_citation(fact, citations)
            shown = fact_evidence(fact, citation)
            citations = with_citation(citations, citation)  # what the answer's `done` reports too
            yield Sources(citations, shown)
            text = f"{fact.text} [{citation.n}]"
            timings["first_token_s"] = time.perf_counter() - t0
            yield text
            yield done(text, True, [citation], structured=True, notice=self._fact_notice, evidence=shown,
                       generated_by="document")  # fmt: skip
            return
        yield Sources(citations, evidence)
        refusal = self.lacks_evidence(q, passages)
        if refusal:
            yield done(self._not_found, False, [], refused_by="evidence", check_reason=refusal,
                       generated_by="document")  # fmt: skip
            return
        if self.llm is None:
            yield done("", False, [], refused_by="no_model")
            return
        pieces: list[str] = []
        messages = self.messages(q, passages, citations)
        with self.llm_slot:
            if cancel is not None and cancel.is_set():
                return  # the reader left while waiting for the model: don't start an answer nobody reads
            for piece in self.llm.stream(messages, self.max_tokens):
                if timings["first_token_s"] is None:
                    timings["first_token_s"] = time.perf_counter() - t0
                if cancel is not None and cancel.is_set():
                    break  # the reader left: free the model now
                pieces.append(piece)
                yield piece
        timings["tokens_per_s"] = tokens_per_second(len(pieces), timings["first_token_s"], t0)
        # Figures as the extracts print them (« 6 ans », not « six ans »), act numbers where only a mark stands.
        text = fill_act_numbers(
            as_printed("".join(pieces).strip(), " ".join(p.text for p in passages)), citations
        )
        if is_refusal(text):
            # The model says it cannot answer, but a sentence may be shown as the answer (quotable) and the
            # question names no phrase the passages lack: that sentence is shown, as the document's.
            sure = [p for p in passages if self.quotable(q, p)]
            if sure and not missing_phrases(q, passages):
                p = max(sure, key=lambda p: p.score)
                c = citations[passages.index(p)]
                yield done(self.quote(c, p), True, [c], checked=False,
                           check_reason="le modèle n'a pas répondu ; la phrase du document est montrée",
                           notice=self._evidence_notice, generated_by="document")  # fmt: skip
                return
            yield done(self._not_found, False, [], refused_by="model")
            return
        cited = cite(text, citations) or citations[:1]
        # Every figure, date and name must stand in one passage about the subject (the sentence and its
        # neighbours), not anywhere in what the model read: a figure of another row or another act is no answer.
        # The passage cited first; another that holds it all is cited instead (the model numbered it wrong).
        sources = [passages[c.n - 1] for c in cited]
        verdict, grounded = self.grounded(q, text, sources, passages)
        if verdict.ok and grounded != sources:
            cited = [citations[passages.index(p)] for p in grounded]  # the passages that hold the answer
            text = f"{_MARK.sub('', text).rstrip()} " + "".join(f"[{c.n}]" for c in cited)
        marked = with_marks(text, cited)
        if marked != text:  # the marks the model did not write are streamed too: the reader sees what is kept
            yield marked[len(text) :]
            text = marked
        if not verdict.ok:
            # The document's own sentence instead, when one may be shown as the answer (quotable); otherwise
            # an honest refusal: a wrong answer with an official link is the worst outcome.
            quotable = [p for p in passages if self.quotable(q, p)]
            if not quotable:
                yield done(self._not_found, False, [], refused_by="check", check_reason=verdict.reason,
                           generated_by="document")  # fmt: skip
                return
            p = max(quotable, key=lambda p: p.score)
            c = citations[passages.index(p)]
            yield done(self.quote(c, p), True, [c], checked=False, check_reason=verdict.reason,
                       notice=self._evidence_notice, generated_by="document")  # fmt: skip
            return
        if q.asks == NUMBER:  # "Quelle délibération … et quel montant ?": the act's number is half the answer
            text = name_the_act(text, cited)
        yield done(text, True, cited, checked=True)

    def grounded(
        self, q: Question, text: str, cited: list[Passage], passages: list[Passage]
    ) -> tuple[Verdict, list[Passage]]:
        """The check of a generated answer against the passages it cites, then against each other passage about
        the subject alone, then against the passages of one act together (a decision and its tally): the verdict,
        and the passages that ground it (none when nothing does)."""
        if echoes(text, q):
            return Verdict(False, "la réponse ne fait que reprendre la question"), []
        if not gives_what_is_asked(text, q):
            return Verdict(False, "la réponse ne donne pas ce que la question demande"), []
        about = about_the_subject(passages)

        def holds(group: list[Passage]) -> Verdict:
            return check(
                text, [*(p.text for p in group), *(self._label(p) for p in group), q.text, q.previous]
            )

        first = holds(cited)
        if first.ok:
            if any(p in about for p in cited):
                return first, cited
            first = Verdict(False, "le passage cité ne parle pas du sujet de la question")
        for p in about:
            if p not in cited and holds([p]).ok:
                return Verdict(True), [p]
        for p in cited or about:
            act = [o for o in passages if o is p or same_act(o, p)]
            if len(act) > 1 and any(o in about for o in act) and holds(act).ok:
                return Verdict(True), act
        return first, []

    def quotable(self, q: Question, p: Passage) -> bool:
        """The passage's sentence may be shown as the answer, in the document's words: the ranker holds it for
        the answer more likely than not, it holds the kind of thing asked and gives it (a name the question
        does not give, a figure), it is of the year asked and about the subject."""
        return (
            p.score >= SURE
            and p.asked
            and p.year_ok
            and max(p.coverage, p.shown) >= SUBJECT_FLOOR
            and gives_what_is_asked(p.sentence, q)
        )

    def quote(self, citation: Citation, passage: Passage) -> str:
        """The evidence as the answer, in the document's own words."""
        doc = passage.document
        what = (
            f"la délibération n° {citation.act}"
            if citation.act
            else f"le {doc.kind} du conseil du {french_date(doc.seance_date)}"
            if doc.seance_date
            else f"le document {Path(doc.path).name}"
        )
        return f"D'après {what}, page {passage.page} : « {passage.sentence} » [{citation.n}]"

    def lacks_evidence(self, q: Question, passages: list[Passage]) -> str | None:
        """Why the passages cannot hold the answer, or None."""
        if not passages:
            return "aucun passage trouvé"
        if (
            q.asks == VOTE
            and q.council
            and all(p.document.council not in (None, q.council) for p in passages)
        ):  # a vote is one council's: another council's on the same subject is not it
            return f"aucun acte du {q.council} parmi les documents trouvés"
        weights = stem_weights(self.index)
        if len(self.index.chunks) >= VOCABULARY_CHUNKS:
            # The noun of the asking ("avec quel assureur") names the kind of answer, not the subject: documents
            # print the answer's name ("Groupama"), seldom that noun.
            unknown = [
                t.word
                for t in q.terms
                # « vidéoprotection » printed « vidéo protection » is a known word
                if t.noun and not printed(t, weights) and len(t.stem) > 3 and fold(t.word) != q.asked_noun
            ]
            if unknown:
                return f"aucun document n'emploie « {unknown[0]} »"
        # What the model reads says whether the subject is there: a date in a table cell stands beside it.
        if max(max(p.coverage, p.shown) for p in passages) < SUBJECT_FLOOR:
            return "aucun passage ne parle du sujet de la question"
        if q.years and not any(p.year_ok for p in about_the_subject(passages)):
            return f"les passages sur ce sujet ne sont pas de {', '.join(q.years)}"
        return None

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        on_piece: Callable[[str], None] | None = None,
        collectivite: str | None = None,
    ) -> Answer:
        """Return the finished answer (pieces go to on_piece as they come)."""
        for item in self.stream(question, history, collectivite=collectivite):
            if isinstance(item, Answer):
                return item
            if on_piece and isinstance(item, str):
                on_piece(item)
        raise RuntimeError("the answer stream ended without an answer")


def documents_in_order(hits: list[Hit], passages: list[Passage]) -> list[Document]:
    """The documents found, in the order the answer presents them: those of its evidence passages first, best
    sentence first (a document whose sentence holds what is asked before one that only shares more words
    with the question), then the others as retrieval ranked them."""
    first = {p.document.id: p.document for p in passages}
    return list(first.values()) + [d for d in ranked_files(hits) if d.id not in first]


def collectivite_of(doc: Document) -> str | None:
    """The key of the document's collectivité, as its text names it (None when it names none: such a document
    is searched whatever collectivité a question names)."""
    return collectivite_key(doc.collectivite) or None if doc.collectivite else None


def fact_citation(fact: Fact, citations: list[Citation]) -> Citation:
    """Cite the page that prints the fact, under the number of the citation from the same document if any."""
    doc, affaire = fact.document, fact.affaire
    same = next((c for c in citations if c.doc_id == doc.id and c.page == fact.page), None)
    if same is not None and fact.printed in same.excerpt:
        return same
    return Citation(
        same.n if same else len(citations) + 1,
        doc.id,
        doc.path,
        fact.page,
        doc.act_number or getattr(affaire, "act_number", None),
        doc.seance_date,
        doc.objet or (affaire.title if affaire else None),
        fact.printed or fact.text,
        affaire,
        fact.printed or "",  # the line it was read from is the sentence the reader marks
    )


def with_citation(citations: list[Citation], citation: Citation) -> list[Citation]:
    """The citations with this one: in place of the one of its number (the same page, cited at the line that
    prints the fact), or added after them; never two extracts under one number."""
    if citation in citations:
        return citations
    if any(c.n == citation.n for c in citations):
        return [citation if c.n == citation.n else c for c in citations]
    return [*citations, citation]


def fact_evidence(fact: Fact, citation: Citation) -> Evidence:
    """The line the fact was read from, as printed, inside the extract that cites it: what the reader marks."""
    at = citation.excerpt.find(fact.printed) if fact.printed else -1
    if at < 0:
        return Evidence(citation.n, citation.excerpt, 0, len(citation.excerpt))
    return Evidence(citation.n, fact.printed, at, at + len(fact.printed))


_MARK_FOR_NUMBER = re.compile(
    r"((?:num[ée]ro|n°)(?:[^\[\].]{0,160}?(?:\best\b|:))?\s*)\[(\d{1,2})\]", re.IGNORECASE
)


def fill_act_numbers(text: str, citations: list[Citation]) -> str:
    """Write the act number where the model put only a mark ("le numéro … est [1]"), from the act's metadata."""
    acts = {c.n: c.act for c in citations if c.act}

    def fill(m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)}n° {acts[n]} [{n}]" if n in acts else m.group(0)

    return _MARK_FOR_NUMBER.sub(fill, text)


def tokens_per_second(pieces: int, first_token_s: float | None, t0: float) -> float | None:
    """The generation rate after the first token (which waits for the prompt), or None with fewer than two.

    A streamed piece is one token for llama.cpp and for OpenAI-compatible servers.
    """
    if pieces < 2 or first_token_s is None:
        return None
    after_first = time.perf_counter() - t0 - first_token_s
    return (pieces - 1) / after_first if after_first > 0 else None


def name_the_act(text: str, cited: list[Citation]) -> str:
    """Open the answer with the number of the act it cites when the answer does not print it."""
    act = next((c.act for c in cited if c.act), None)
    if act is None or act_key(act) in act_keys(text):
        return text
    return f"Délibération n° {act} : {text}"


ECHO_WORDS = 1  # an answer must say at least one content word the question does not (« TALCO » will do)


def echoes(text: str, q: Question) -> bool:
    """The answer only repeats the question (« Le bureau d'études a rédigé le projet … »): no content word of
    its own, and no figure the question does not give."""
    asked = _content(f"{q.text} {q.previous}")
    own = _content(text) - asked
    figures_of = set(re.findall(r"\d+", _MARK.sub(" ", text))) - set(re.findall(r"\d+", q.text))
    return len(own) < ECHO_WORDS and not figures_of


# Words of office and institution, capitalised in answers, that name nobody: « le Président de séance ».
_OFFICES = frozenset(
    """monsieur madame mademoiselle mme mlle m mm president presidente vice maire adjoint adjointe conseil
    conseiller conseillere municipal municipale communautaire commune ville communaute prefet prefecture seance
    deliberation le la les l un une""".split()  # noqa: SIM905 - a closed word class reads best as running text
)


def about_the_subject(passages: list[Passage]) -> list[Passage]:
    """The passages about the question's subject: those that print enough of it, and the others of their act
    (a tariff table under the affaire « Tarifs de la cantine » is about the cantine, whatever its cells say)."""
    about = [p for p in passages if max(p.coverage, p.shown) >= SUBJECT_FLOOR]
    return [p for p in passages if p in about or any(same_act(p, a) for a in about)]


def gives_what_is_asked(text: str, q: Question) -> bool:
    """A name for a question asking who, a figure for one asking how much, how many or how long: one the
    question (and the turn it follows) does not give already. Other questions are not judged here."""
    said = _MARK.sub(" ", text)
    given = fold(f"{q.text} {q.previous}")
    if q.asks in (PERSON, RAPPORTEUR):
        # Names inside sentences (the first word of a sentence is capitalised whatever it is), and any word in
        # capitals ("MARCONNET", "SARL").
        capitalised = {fold(w) for n in names(said) for w in n.split()}
        capitalised |= {fold(w) for w in re.findall(r"\b[A-ZÀ-Ý]{3,}\b", said)}
        return any(w not in _OFFICES and w not in _MONTHS and w not in given for w in capitalised)
    if q.asks in (AMOUNT, COUNT, DURATION):  # "pour six ans" gives a figure as "pour 6 ans" does
        return bool(figures(said) - figures(given))
    if q.asks == YESNO:  # « Oui » alone shows nothing: what the extract says must follow
        return bool(_content(said) - _content(given) - {"oui", "non"} or figures(said) - figures(given))
    return True


_MONTHS = frozenset(fold(m) for m in MONTHS)  # « Mai 2020 » names no one


def _content(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(fold(_MARK.sub(" ", text))) if len(w) > 2 and not w.isdigit()}


def with_marks(text: str, cited: list[Citation]) -> str:
    """The answer with its [n] marks: a generated answer without any ends with those of what it cites."""
    if _MARK.search(text) or not cited:
        return text
    return f"{text.rstrip()} " + "".join(f"[{c.n}]" for c in cited)


def is_refusal(text: str) -> bool:
    folded = fold(text)
    return not folded.strip() or "je ne trouve pas" in folded or "ne contiennent pas" in folded[:200]


def cite(text: str, citations: list[Citation]) -> list[Citation]:
    """Map the answer's [n] marks to citations; without marks, credit the one that shares most with it."""
    by_n = {c.n: c for c in citations}
    marked = [by_n[int(n)] for n in dict.fromkeys(_MARK.findall(text)) if int(n) in by_n]
    if marked:
        return marked
    said = {w for w in _WORD.findall(fold(_MARK.sub("", text))) if len(w) > 3 or w.isdigit()}
    if not citations:
        return []
    overlap = [(len(said & set(_WORD.findall(fold(c.excerpt)))), -c.n, c) for c in citations]
    score, _, best = max(overlap, key=lambda t: (t[0], t[1]))
    return [best] if score > 0 else []
