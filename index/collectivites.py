"""The collectivité a document belongs to, and a name a user gives matched forgivingly.

A name is compared by its distinctive words ("Commune de Pierrefonds", "pierrefonds" and "PIERREFONDS" are one
key), so a filter, a folder name and what a document prints meet whatever their spelling.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath

import numpy as np

from index.french import FOLDED_STOP_WORDS, fold
from index.store import Document, Index

# Words naming a kind of collectivité ("Commune de …", "Communauté de communes …").
PLACE_WORDS = frozenset(
    {"ville", "commune", "communes", "communaute", "metropole", "agglomeration", "mairie"}
)
# Words of a collectivité's name that do not tell one from another: its kind, and its council's.
GENERIC_NAME = PLACE_WORDS | {
    "departement", "region", "conseil", "municipal", "communautaire", "syndicat", "intercommunal", "intercommunale",
}  # fmt: skip


class UnknownCollectivite(ValueError):
    """A collectivité filter that names none of the index's collectivités; the message lists them."""

    def __init__(self, name: str, known: Iterable[str]):
        names = ", ".join(sorted(known)) or "aucune (les documents n'en nomment pas)"
        super().__init__(f"Collectivité inconnue : « {name} ». Collectivités de cet index : {names}.")


def collectivite_key(name: str) -> str:
    """The words of a collectivité's name that tell it apart: "Commune de Pierrefonds" → "pierrefonds",
    "Communauté de Communes des Coteaux du Val" → "coteaux val"."""
    return " ".join(
        w for w in re.findall(r"\w+", fold(name)) if w not in GENERIC_NAME and w not in FOLDED_STOP_WORDS
    )


def folder_keys(path: str) -> list[str]:
    """The keys of the folders a document stands in (its path relative to the corpus), outermost first."""
    return [k for part in PurePosixPath(path).parts[:-1] if (k := collectivite_key(part.replace("-", " ")))]


def belongs(collectivite: str | None, path: str, key: str) -> bool:
    """Tell whether a document is of the collectivité `key`: by the name it carries, else by a folder of its
    path named after it (a corpus laid out one folder per commune needs no sources file)."""
    if collectivite:
        return collectivite_key(collectivite) == key
    return key in folder_keys(path)


def names(documents: Iterable[Document]) -> dict[str, str]:
    """Key → the name most documents print for it."""
    spelled: dict[str, Counter[str]] = {}
    for d in documents:
        if d.collectivite and (key := collectivite_key(d.collectivite)):
            spelled.setdefault(key, Counter())[d.collectivite] += 1
    return {key: c.most_common(1)[0][0] for key, c in sorted(spelled.items())}


def resolve(name: str, documents: Iterable[Document]) -> str:
    """The key of the collectivité a user names, among the documents' (and their folders'): the same key, else
    the one collectivité whose key holds every word given ("Coteaux" for the Coteaux du Val)."""
    documents = list(documents)
    known = names(documents)
    keys = set(known) | {k for d in documents if not d.collectivite for k in folder_keys(d.path)}
    key = collectivite_key(name)
    if key in keys:
        return key
    words = set(key.split())
    candidates = [k for k in keys if words and words <= set(k.split())]
    if len(candidates) == 1:
        return candidates[0]
    raise UnknownCollectivite(name, known.values() or keys)


def chunk_mask(index: Index, key: str) -> np.ndarray:
    """Which chunks of the index belong to the collectivité `key` (a document naming none is kept only when a
    folder of its path is named after it)."""
    of_doc = {d.id: belongs(d.collectivite, d.path, key) for d in index.documents.values()}
    return np.array([of_doc[c.doc_id] for c in index.chunks], dtype=bool)
