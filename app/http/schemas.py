"""What the API reads and writes (pydantic at the edge only), and the URLs it links to."""

from __future__ import annotations

import html
import re
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from app.answer.assistant import Answer, Citation, Evidence, prompt
from app.reader import edges
from app.search import Act, Results, Snippet, Vote

_AI_NOTICE = prompt("notice")


def document_url(doc_id: str, page: int | None = None, base: str = "") -> str:
    """Where the API serves an indexed PDF, opened at the page when one is given.

    `base` is the public address of the service (REGISTRE_PUBLIC_URL): with it the link is absolute, so it works
    wherever the answer is shown (an OpenAI-compatible front end, a city's site, a mail); without it, relative.
    """
    return f"{base.rstrip('/')}/documents/{doc_id}.pdf" + (f"#page={page}" if page else "")


def question_problem(question: str) -> tuple[str, str] | None:
    """Why a question cannot be asked at all, as (error type, French message); None when it can.

    A question with no letter and no digit (spaces, punctuation, emoji) names nothing a search could find: it is
    refused at once rather than sent to the model.
    """
    if not question.strip():
        return "question_empty", "La question est vide."
    if not any(c.isalnum() for c in question):
        return (
            "question_without_words",
            "La question ne contient aucun mot : écrivez-la avec des lettres ou des chiffres.",
        )
    return None


def viewer_url(doc_id: str, page: int, passage: str = "", base: str = "") -> str:
    """registre's own view of the page, the passage (named by its first and last words) marked and in view;
    absolute with `base`, as document_url."""
    start, end = edges(passage)
    query = {"page": page, **({"q": start} if start else {}), **({"q_end": end} if end else {})}
    return f"{base.rstrip('/')}/documents/{doc_id}?{urlencode(query)}" + ("#passage" if start else "")


def notice(answer: Answer, model_label: str) -> str:
    """What the answer is made of, for the reader: the AI notice names the model in plain words, never its file.

    Answers read from the documents keep their own notice (no AI wrote them).
    """
    if answer.generated_by == "document" and answer.found:
        return answer.notice
    return _AI_NOTICE.format(model=model_label)


# Links the model writes are never sources: a document or a question may have planted them ("see https://…").
_MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_URL = re.compile(
    r"(?i)(?:\b(?:https?|ftp|file)://|\b(?:javascript|data|vbscript):(?=\S)|\bwww\.)"
    r"(?:[^\s<>\"'\[\]]*[^\s<>\"'\[\].,;:!?)])?"
)
LINK_REMOVED = "[lien retiré]"


def without_links(text: str) -> str:
    """The model's text with every URL replaced by a plain mark, so no client renders it as a link.

    Sources travel apart, as citations with their own URLs; markdown links keep only their words.
    """
    return _URL.sub(LINK_REMOVED, _MARKDOWN_LINK.sub(r"\1", text))


def highlighted(snippet: Snippet) -> str:
    """The snippet as HTML: its text escaped, the words that match the search in <mark>."""
    return "".join(
        f"<mark>{html.escape(piece)}</mark>" if marked else html.escape(piece)
        for piece, marked in snippet.pieces()
    )


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=4000)


class ChatRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="La question, en français.")
    history: list[Turn] = Field(
        default_factory=list, max_length=20, description="Les échanges précédents de la même conversation."
    )
    collectivite: str | None = Field(
        None,
        max_length=120,
        description="Ne répondre qu'avec les documents de cette collectivité (« Pierrefonds », « Ville de "
        "Montpellier » : accents, majuscules et « Ville de » / « Commune de » indifférents).",
    )

    @field_validator("question")
    @classmethod
    def _has_words(cls, question: str) -> str:
        problem = question_problem(question)
        if problem:
            raise PydanticCustomError(*problem)
        return question


class CitationOut(BaseModel):
    n: int
    file: str
    page: int
    act: str | None
    seance_date: str | None
    objet: str | None
    excerpt: str
    url: str = Field(description="The PDF, opened at the page.")
    viewer_url: str = Field(
        description="registre's own view of the page: the cited sentence marked and scrolled into view, with "
        "the act's number, séance, objet and vote."
    )

    @classmethod
    def of(cls, c: Citation, base: str = "", evidence: Evidence | None = None) -> CitationOut:
        """The citation; its view marks the answer's evidence when the citation holds it (a fact's printed
        line), else the extract's own evidence sentence, else the whole extract."""
        if evidence is not None and evidence.n == c.n:
            passage = evidence.sentence
        else:
            passage = (
                c.sentence or c.excerpt
            )  # a second source of the answer: its own sentence, not all of it
        return cls(
            n=c.n,
            file=c.file,
            page=c.page,
            act=c.act,
            seance_date=c.seance_date,
            objet=c.objet,
            excerpt=c.excerpt,
            url=document_url(c.doc_id, c.page, base),
            viewer_url=viewer_url(c.doc_id, c.page, passage, base),
        )


class EvidenceOut(BaseModel):
    """The document's own sentence that answers, shown before the model starts."""

    n: int = Field(description="The citation (extract) that holds the sentence.")
    sentence: str
    start: int = Field(description="Offset of the sentence in that extract's excerpt.")
    end: int

    @classmethod
    def of(cls, e: Evidence | None) -> EvidenceOut | None:
        return None if e is None else cls(n=e.n, sentence=e.sentence, start=e.start, end=e.end)


class ChatResponse(BaseModel):
    answer: str
    found: bool = Field(description="False when the published documents do not hold the answer.")
    citations: list[CitationOut] = Field(description="The extracts the answer's [n] marks point to.")
    extracts: list[CitationOut] = Field(
        description="Every extract the model read, numbered as in the answer."
    )
    notice: str = Field(
        description="Says that the answer was generated by an AI from the published acts, or read from them as "
        "printed."
    )
    structured: bool = Field(
        False,
        description="True when the answer was read from the acts' structured data (vote, number, "
        "rapporteur) rather than generated.",
    )
    human_contact: str = Field(description="How to reach a person.")
    timings: dict[str, float | None]
    evidence: EvidenceOut | None = Field(None, description="The sentence of the documents that answers.")
    checked: bool | None = Field(
        None,
        description="True: every figure and name of the generated answer stands in the extracts. False: it did "
        "not, and the answer shown is the document's own sentence (check_reason says why). None: nothing "
        "was generated.",
    )
    check_reason: str | None = None
    generated_by: Literal["ai", "document"] = Field(
        "ai",
        description="The machine-readable mark of the AI Act (article 50): ai, written by the language model "
        "named in `model`; document, the document's own words.",
    )
    model: str | None = Field(None, description="The language model that wrote the answer (generated_by ai).")
    refused_by: Literal["evidence", "model", "check", "no_model"] | None = Field(
        None,
        description="Why there is no answer: evidence (no passage holds the subject), model (it said so), "
        "check (the answer written did not stand in the passage it cited, and no sentence of the documents "
        "could be shown instead), no_model (none is loaded).",
    )
    index_version: str = Field("", description="The published index the answer was read from.")

    @classmethod
    def of(cls, answer: Answer, human_contact: str, base: str = "", *, model_label: str) -> ChatResponse:
        return cls(
            answer=without_links(answer.text),  # only citations carry links
            found=answer.found,
            citations=[CitationOut.of(c, base, answer.evidence) for c in answer.citations],
            extracts=[CitationOut.of(c, base, answer.evidence) for c in answer.extracts],
            notice=notice(answer, model_label),
            structured=answer.structured,
            human_contact=human_contact,
            timings=answer.timings,
            evidence=EvidenceOut.of(answer.evidence),
            checked=answer.checked,
            check_reason=answer.check_reason,
            generated_by="document" if answer.generated_by == "document" else "ai",
            model=answer.model,
            refused_by=answer.refused_by,
            index_version=answer.index_version,
        )


GENERATED_BY = "X-Registre-Generated-By"
_HEADER_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/+-]")


def generated_by_header(generated_by: str, model: str | None = None) -> dict[str, str]:
    """The AI Act mark as a response header: `ai; model=NAME`, `document`, or `ai-possible` before the answer
    is known (a stream's headers leave before its words; its last event carries the exact mark)."""
    value = generated_by + (f"; model={_HEADER_UNSAFE.sub('_', model)}" if model else "")
    return {GENERATED_BY: value}


class VoteOut(BaseModel):
    pour: int | None
    contre: int | None
    abstention: int | None
    ne_prend_pas_part: int | None
    outcome: str | None = Field(description="unanimité, majorité, adopté or rejeté, as printed.")
    dissenters: str | None = Field(description="Who voted against, when the minutes name them.")
    text: str = Field(description="The tally as printed.")
    page: int | None = Field(description="The page that prints the tally.")
    file: str
    url: str

    @classmethod
    def of(cls, v: Vote, base: str = "") -> VoteOut:
        return cls(
            pour=v.pour,
            contre=v.contre,
            abstention=v.abstention,
            ne_prend_pas_part=v.ne_prend_pas_part,
            outcome=v.outcome,
            dissenters=v.dissenters,
            text=v.text,
            page=v.page,
            file=v.file,
            url=document_url(v.doc_id, v.page, base),
        )


class ActOut(BaseModel):
    id: str
    kind: str = Field(description="délibération, procès-verbal or compte rendu (an affaire of the minutes).")
    title: str
    file: str
    page: int
    url: str = Field(description="Opens the PDF at the page.")
    seance_date: str | None
    council: str | None
    collectivite: str | None
    act_number: str | None = Field(description="As printed, `YYYY/N`; for an affaire, its délibération's.")
    receipt_id: str | None
    rapporteur: str | None
    affaire_number: int | None
    vote: VoteOut | None
    snippet: str = Field(description="HTML: the best-matching stretch, escaped, matched words in <mark>.")
    score: float

    @classmethod
    def of(cls, a: Act, base: str = "") -> ActOut:
        return cls(
            id=a.id,
            kind=a.kind,
            title=a.title,
            file=a.file,
            page=a.page,
            url=document_url(a.doc_id, a.page, base),
            seance_date=a.seance_date,
            council=a.council,
            collectivite=a.collectivite,
            act_number=a.act_number,
            receipt_id=a.receipt_id,
            rapporteur=a.rapporteur,
            affaire_number=a.affaire_number,
            vote=VoteOut.of(a.vote, base) if a.vote else None,
            snippet=highlighted(a.snippet),
            score=a.score,
        )


class SearchResponse(BaseModel):
    total: int
    page: int
    per_page: int
    acts: list[ActOut]
    facets: dict[str, dict[str, int]] = Field(
        description="Counts by year, collectivité, council, kind, outcome and rapporteur; each over the acts "
        "that pass every filter but its own, so it lists the values a filter can choose."
    )

    @classmethod
    def of(cls, r: Results, base: str = "") -> SearchResponse:
        return cls(
            total=r.total,
            page=r.page,
            per_page=r.per_page,
            acts=[ActOut.of(a, base) for a in r.acts],
            facets=r.facets,
        )
