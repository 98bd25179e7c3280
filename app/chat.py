"""Answer a question: retrieve, build a short numbered context, let the local LLM answer, map [n] to sources."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from app.facts import Fact, find_fact, french_date, lacks_evidence, off_subject, word_weights
from app.terms import missing_terms
from index.lexical import fold
from index.search import Hit, named_first, ranked_files, search
from index.store import Document, Index, StoredAffaire
from ingest.chunk import STRIDE_WORDS, WINDOW_WORDS
from models.base import LLM, Embedder

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
_MARK = re.compile(r"\[(\d{1,2})\]")
_WORD = re.compile(r"\w+")


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
    url: str
    affaire: StoredAffaire | None = None


@dataclass(frozen=True)
class Sources:
    extracts: list[Citation]


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
    # Why there is no answer: "evidence" (the extracts lack the question's subject or year), "model" (it said
    # so), "no_model" (none is loaded); None when found.
    refused_by: str | None = None


def source_label(doc: Document, page: int, affaire: StoredAffaire | None = None) -> str:
    """Say where an extract comes from, in the words a reader uses."""
    head = doc.kind.capitalize() + (f" n° {doc.act_number}" if doc.act_number else "")
    if doc.seance_date:
        head += f" du conseil du {french_date(doc.seance_date)}"
    parts = [head]
    if doc.objet:
        parts.append(f"objet : « {doc.objet[:160]} »")
    elif affaire is not None:
        parts.append(f"affaire {affaire.number} : « {affaire.title[:160]} »")
    parts.append(f"page {page}")
    return " — ".join(parts)


def vote_line(affaire: StoredAffaire | None) -> str:
    """The printed vote of the extract's affaire, which often stands pages after the text that matched."""
    if affaire is None or not affaire.vote:
        return ""
    return f"\nVote (page {affaire.vote_page}) : {affaire.vote}"


def retrieval_query(question: str, history: list[dict[str, str]]) -> str:
    """Follow-ups lean on earlier turns: search with the user's previous questions too."""
    earlier = [m["content"] for m in history if m.get("role") == "user"][-2:]
    return " ".join([*earlier, question])


def best_window(text: str, query: str, words: int, money: bool = False) -> str:
    """Keep the `words`-word stretch of the text that shares most words with the query (and, for a question
    about money, holds the amounts: "Combien coûte…" is answered by "… est de 110 000 €")."""
    tokens = text.split()
    if len(tokens) <= words:
        return text
    wanted = {w[:6] for w in _WORD.findall(fold(query)) if len(w) > 2 or w.isdigit()}
    hits = [
        3 if money and _AMOUNT.search(t) else 1 if {w[:6] for w in _WORD.findall(fold(t))} & wanted else 0
        for t in tokens
    ]  # an amount weighs as much as three words of the question: the figure is what was asked
    window = sum(hits[:words])
    best, best_at = window, 0
    for start in range(1, len(tokens) - words + 1):
        window += hits[start + words - 1] - hits[start - 1]
        if window > best:
            best, best_at = window, start
    # Centre the window on the matched words: the answer usually stands right after them.
    matched = [i for i in range(best_at, best_at + words) if hits[i]]
    if matched:
        centre = (matched[0] + matched[-1]) // 2
        best_at = max(0, min(len(tokens) - words, centre - words * 2 // 5))
    return " ".join(tokens[best_at : best_at + words])


_MONEY = re.compile(
    r"\bcou(?:t|te|tent)\b|\bmontant|\bprix\b|\btarif|\bsubvention|\bdepens|\btouche|\brecoi|\beuros?\b|€"
    r"|\bbudget|\bfinanc|\bpaye|\bverse|\bcotisation|\bindemnit|\bloyer"
)
_AMOUNT = re.compile(r"€|^euros?\b|^eur\b|^ht\b|^ttc\b", re.IGNORECASE)
_BODY = re.compile(r"\brapporte\s*:\s*")
OVERLAP_WORDS = WINDOW_WORDS - STRIDE_WORDS  # consecutive chunks of a document share these words
# A délibération up to this many chunks is read whole; longer ones (tables of subsidies) by the chunks found.
SHORT_ACT_CHUNKS = 4


def asks_for_money(question: str) -> bool:
    return bool(_MONEY.search(fold(question)))


def passages(index: Index, group: list[Hit]) -> list[tuple[str, int]]:
    """The texts the extract is cut from, in reading order, each word once, with the number of chunks found
    in each (a text found twice gets twice the words).

    A délibération is mostly short: its whole text, from "X rapporte :" on (the header and the list of those present
    say nothing the source label does not, and cost the model seconds). Elsewhere the chunks found, the
    consecutive ones joined where they overlap."""
    doc = group[0].document
    rows = _document_rows(index, group[0].chunk) if doc.kind == "délibération" else []
    if 0 < len(rows) <= SHORT_ACT_CHUNKS:
        text = " ".join(t for t, _ in _join(index, rows))
        body = _BODY.search(text)
        if body and doc.rapporteur:
            text = f"{doc.rapporteur} rapporte : {text[body.end() :]}"
        return [(text, len(group))]
    return _join(index, sorted(h.chunk.row for h in group))


def _document_rows(index: Index, chunk) -> list[int]:
    """Rows of the chunk's document: they are consecutive in the index."""
    first = last = chunk.row
    while first > 0 and index.chunks[first - 1].doc_id == chunk.doc_id:
        first -= 1
    while last + 1 < len(index.chunks) and index.chunks[last + 1].doc_id == chunk.doc_id:
        last += 1
    return list(range(first, last + 1))


def _join(index: Index, rows: list[int]) -> list[tuple[str, int]]:
    """Runs of consecutive rows become one text (the overlap dropped); other rows stand apart."""
    runs: list[tuple[list[str], int]] = []
    previous = None
    for row in rows:
        words = index.chunks[row].text.split()
        if runs and previous == row - 1 and runs[-1][0][-OVERLAP_WORDS:] == words[:OVERLAP_WORDS]:
            runs[-1][0].extend(words[OVERLAP_WORDS:])
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((words, 1))
        previous = row
    return [(" ".join(run), n) for run, n in runs]


class Assistant:
    """The one code path behind the API, the CLI and the evaluation."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder | None,
        llm: LLM | None,
        top_k: int = 4,
        extract_words: int = 110,
        max_tokens: int = 256,
        human_contact: str = "",
    ):
        self.index, self.embedder, self.llm = index, embedder, llm
        self.top_k, self.extract_words, self.max_tokens = top_k, extract_words, max_tokens
        self.human_contact = human_contact
        # llama.cpp contexts are not thread-safe; the API replaces this with its fair queue (app/admission.py).
        self.llm_slot: AbstractContextManager = threading.Lock()
        # Prompts are read once: the hot path only formats them.
        self._system, self._not_found = prompt("system"), prompt("not_found")
        self._extract, self._answer, self._notice = prompt("extract"), prompt("answer"), prompt("notice")
        self._fact_notice, self._absent = prompt("notice_facts"), prompt("absent")
        word_weights(index)  # once, at start-up: the evidence rules weigh the question's words by rarity

    def retrieve(self, question: str, history: list[dict[str, str]], k: int = 10) -> list[Hit]:
        query = retrieval_query(question, history)
        return named_first(self.index, query, search(self.index, self.embedder, query, k=k))

    def extracts(self, hits: list[Hit], query: str) -> list[Citation]:
        """Number the top chunks' best stretches; chunks of the same document and affaire share one number."""
        groups: dict[tuple[str, int | None], list[Hit]] = {}
        for hit in hits[: self.top_k]:
            groups.setdefault((hit.document.id, hit.chunk.affaire), []).append(hit)
        out = []
        money = asks_for_money(query)
        for n, group in enumerate(groups.values(), start=1):
            best = group[0]
            doc, affaire = best.document, self.index.affaire_of(best.chunk)
            texts = self.passages(group)
            excerpt = " […] ".join(best_window(t, query, self.extract_words * k, money) for t, k in texts)
            out.append(
                Citation(
                    n,
                    doc.id,
                    doc.path,
                    best.chunk.page,
                    doc.act_number,
                    doc.seance_date,
                    doc.objet or (affaire.title if affaire else None),
                    excerpt,
                    f"/documents/{doc.id}.pdf#page={best.chunk.page}",
                    affaire,
                )
            )
        return out

    def passages(self, group: list[Hit]) -> list[tuple[str, int]]:
        return passages(self.index, group)

    def messages(
        self, question: str, history: list[dict[str, str]], extracts: list[Citation]
    ) -> list[dict[str, str]]:
        template = self._extract
        block = "\n\n".join(
            template.format(
                n=e.n,
                source=source_label(self.index.documents[e.doc_id], e.page, e.affaire),
                text=e.excerpt + vote_line(e.affaire),
            )
            for e in extracts
        )
        missing = missing_terms(question, [f"{e.objet or ''} {e.excerpt}" for e in extracts])
        if missing:  # the model is told, so that a look-alike ("séjour" in a cemetery tariff) is not taken for it
            quoted = " et ".join(f"« {t} »" for t in missing)
            block += "\n\n" + self._absent.format(
                terms=("les expressions " if len(missing) > 1 else "l'expression ") + quoted,
                verb="n'apparaissent" if len(missing) > 1 else "n'apparaît",
            )
        turns = [
            {"role": m["role"], "content": m["content"][:600]}
            for m in history[-4:]
            if m.get("role") in ("user", "assistant")
        ]
        final = self._answer.format(extracts=block, question=question)
        return [{"role": "system", "content": self._system}, *turns, {"role": "user", "content": final}]

    def stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Sources | str | Answer]:
        """Yield the sources as soon as they are found, the answer's text pieces as they come, then the Answer."""
        history = history or []
        t0 = time.perf_counter()
        query = retrieval_query(question, history)
        hits = self.retrieve(question, history)
        t_retrieval = time.perf_counter() - t0
        files = [d.path for d in ranked_files(hits)]
        extracts = self.extracts(hits, query)
        notice = self._notice.format(model=getattr(self.llm, "name", "aucun"))
        timings: dict[str, float | None] = {"retrieval_s": t_retrieval, "first_token_s": None}
        yield Sources(extracts)
        fact = find_fact(self.index, question, query, hits)
        if fact is not None:  # exact, from what the documents print: no generation
            citation = fact_citation(fact, extracts)
            text = f"{fact.text} [{citation.n}]"
            timings["first_token_s"] = timings["total_s"] = time.perf_counter() - t0
            yield text
            yield Answer(text, True, [citation], extracts, files, self._fact_notice, timings, structured=True)
            return
        top = hits[: self.top_k]
        evidence = [
            (
                self.index.documents[e.doc_id],
                e.objet or "",
                e.excerpt,
                " ".join(h.chunk.text for h in top if h.document.id == e.doc_id),
            )
            for e in extracts
        ]
        texts = [f"{h.chunk.context} {h.chunk.text}" for h in top]
        if off_subject(self.index, query, texts) or lacks_evidence(self.index, query, evidence):
            timings["total_s"] = time.perf_counter() - t0
            yield Answer(self._not_found, False, [], extracts, files, notice, timings, refused_by="evidence")
            return
        if not extracts or self.llm is None:
            text = self._not_found if not extracts else ""
            timings["total_s"] = time.perf_counter() - t0
            yield Answer(text, False, [], extracts, files, notice, timings, refused_by="no_model")
            return
        pieces: list[str] = []
        messages = self.messages(question, history, extracts)
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
        text = fill_act_numbers("".join(pieces).strip(), extracts)
        found = not _is_refusal(text)
        citations = cite(text, extracts) if found else []
        if found and asks_for_vote(question):
            text = add_printed_vote(text, citations or extracts[:1])
            citations = cite(text, extracts)
        timings["total_s"] = time.perf_counter() - t0
        refused_by = None if found else "model"
        yield Answer(
            text if found else self._not_found,
            found,
            citations,
            extracts,
            files,
            notice,
            timings,
            refused_by=refused_by,
        )

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        on_piece: Callable[[str], None] | None = None,
    ) -> Answer:
        """Return the finished answer (pieces go to on_piece as they come)."""
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                return item
            if on_piece and isinstance(item, str):
                on_piece(item)
        raise RuntimeError("the answer stream ended without an answer")


def fact_citation(fact: Fact, extracts: list[Citation]) -> Citation:
    """Cite the page that prints the fact, under the number of the extract from the same document if any."""
    doc, affaire = fact.document, fact.affaire
    same = next((e for e in extracts if e.doc_id == doc.id), None)
    printed = affaire.vote if fact.kind == "vote" and affaire and affaire.vote else fact.text
    return Citation(
        same.n if same else len(extracts) + 1,
        doc.id,
        doc.path,
        fact.page,
        doc.act_number,
        doc.seance_date,
        doc.objet or (affaire.title if affaire else None),
        printed,
        f"/documents/{doc.id}.pdf#page={fact.page}",
        affaire,
    )


_MARK_FOR_NUMBER = re.compile(
    r"((?:num[ée]ro|n°)(?:[^\[\].]{0,160}?(?:\best\b|:))?\s*)\[(\d{1,2})\]", re.IGNORECASE
)


def fill_act_numbers(text: str, extracts: list[Citation]) -> str:
    """Write the act number where the model put only a mark ("le numéro … est [1]"), from the act's metadata."""
    acts = {e.n: e.act for e in extracts if e.act}

    def fill(m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)}n° {acts[n]} [{n}]" if n in acts else m.group(0)

    return _MARK_FOR_NUMBER.sub(fill, text)


_VOTE_QUESTION = re.compile(r"\bvot|\bvoix\b|unanimit|\bscrutin|\bcontre\b|\babstention", re.IGNORECASE)


def asks_for_vote(question: str) -> bool:
    return _VOTE_QUESTION.search(fold(question)) is not None


def add_printed_vote(text: str, cited: list[Citation]) -> str:
    """Give the tally exactly as printed, from the cited affaire: a small model tends to drop the figures."""
    for c in cited:
        vote = c.affaire.vote if c.affaire else None
        if vote and "Pour :" in vote:
            count = vote.split("Pour :")[1].split("·")[0].strip()
            if count in text:
                return text
            return f"{text} Vote imprimé (page {c.affaire.vote_page}) : {vote} [{c.n}]."  # type: ignore[union-attr]
    return text


def _is_refusal(text: str) -> bool:
    folded = fold(text)
    return not folded.strip() or "je ne trouve pas" in folded or "ne contiennent pas" in folded[:200]


def cite(text: str, extracts: list[Citation]) -> list[Citation]:
    """Map the answer's [n] marks to extracts; without marks, credit the extract that shares most with it."""
    by_n = {e.n: e for e in extracts}
    marked = [by_n[int(n)] for n in dict.fromkeys(_MARK.findall(text)) if int(n) in by_n]
    if marked:
        return marked
    said = {w for w in _WORD.findall(fold(_MARK.sub("", text))) if len(w) > 3 or w.isdigit()}
    overlap = [(len(said & set(_WORD.findall(fold(e.excerpt)))), -e.n, e) for e in extracts]
    score, _, best = max(overlap, key=lambda t: (t[0], t[1]))
    return [best] if score > 0 else []
