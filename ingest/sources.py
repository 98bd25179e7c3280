"""The sources file (`registre.toml`): where each collectivité publishes its acts, and what to call them.

    [[sources]]
    name = "pierrefonds"                    # optional: a slug of the collectivité
    collectivite = "Commune de Pierrefonds"
    siret = "21600490200014"                # optional
    council = "conseil municipal"           # optional: for documents that don't say
    public_url = "https://www.ville.fr/deliberations/"   # optional: public address of a folder's files
    folder = "/srv/deliberations/pierrefonds"   # exactly one of folder, urls, scdl, feed
    keep = false                            # true: keep the files removed upstream

Read with the standard library's tomllib; every mistake is reported with what to write instead.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from index.collectivites import collectivite_key
from index.french import fold

KINDS = ("folder", "urls", "scdl", "feed")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_FIELDS = {"name", "collectivite", "siret", "council", "public_url", "keep", *KINDS}


class SourcesError(ValueError):
    """The sources file cannot be used as written; the message says where and what to write."""


@dataclass(frozen=True)
class Download:
    """How files are fetched: per network wait, size cap, retries after a failure, first pause between them."""

    timeout_s: float = 30.0
    max_mb: float = 100.0
    retries: int = 3
    backoff_s: float = 2.0


@dataclass(frozen=True)
class Source:
    name: str  # the folder its files are kept in, under the data dir
    kind: str  # one of KINDS
    location: str  # a folder, a CSV or feed URL; for "urls", unused (see urls)
    urls: tuple[str, ...] = ()
    collectivite: str | None = None
    siret: str | None = None
    council: str | None = None
    public_url: str | None = None
    keep: bool = False


@dataclass(frozen=True)
class Sources:
    sources: tuple[Source, ...]
    sirets: dict[str, str]  # collectivité name → SIRET, for those no source is named after
    download: Download
    path: Path


def read_sources(path: Path) -> Sources:
    """Parse and check the sources file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"Fichier de sources introuvable : {path}") from None
    except tomllib.TOMLDecodeError as e:  # its message is English: only where it stopped is said
        at = re.search(r"\(at line (\d+), column (\d+)\)|\(at end of document\)", str(e))
        where = (f", ligne {at[1]}, colonne {at[2]}" if at[1] else ", à la fin du fichier") if at else ""
        raise SourcesError(
            f"{path} n'est pas un fichier TOML valide{where} : vérifiez les guillemets, les = et les [[sources]]."
        ) from None
    unknown = set(data) - {"sources", "siret", "download"}
    if unknown:
        raise SourcesError(
            f"{path} : sections inconnues {sorted(unknown)} (attendu : sources, siret, download)"
        )
    raw = data.get("sources", [])
    if not isinstance(raw, list) or not raw:
        raise SourcesError(f'{path} : aucune source. Ajoutez au moins un bloc [[sources]] avec folder = "…".')
    sources = tuple(_source(entry, i, path) for i, entry in enumerate(raw, start=1))
    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SourcesError(
            f"{path} : plusieurs sources portent le nom {', '.join(twice)} ; donnez-leur un name."
        )
    sirets = {str(k): str(v) for k, v in data.get("siret", {}).items()}
    for name, siret in sirets.items():
        _check_siret(siret, f"{path}, [siret] « {name} »")
    asked = data.get("download", {})
    if not isinstance(asked, dict):
        raise SourcesError(f"{path} : écrivez les réglages de téléchargement dans une section [download].")
    extra = sorted(set(asked) - set(Download.__dataclass_fields__))
    if extra:
        raise SourcesError(
            f"{path}, [download] : réglages inconnus {extra} (admis : timeout_s, max_mb, retries, backoff_s)"
        )
    download = Download(**asked)
    return Sources(sources, sirets, download, path)


def _source(entry: object, i: int, path: Path) -> Source:
    where = f"{path}, source n° {i}"
    if not isinstance(entry, dict):
        raise SourcesError(f"{where} : écrivez chaque source comme un bloc [[sources]].")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise SourcesError(
            f"{where} : champs inconnus {sorted(unknown)} (admis : {', '.join(sorted(_FIELDS))})"
        )
    kinds = [k for k in KINDS if k in entry]
    if len(kinds) != 1:
        raise SourcesError(f"{where} : indiquez exactement un de folder, urls, scdl ou feed.")
    kind = kinds[0]
    value = entry[kind]
    urls: tuple[str, ...] = ()
    if kind == "urls":
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            raise SourcesError(f'{where} : urls est une liste d\'adresses : urls = ["https://…/a.pdf"]')
        urls = tuple(value)
        for u in urls:
            _check_url(u, where)
        location = ""
    elif kind == "folder":
        folder = Path(str(value)).expanduser()
        location = str(folder if folder.is_absolute() else (path.parent / folder).resolve())
    else:
        location = str(value)
        _check_url(location, where)
    collectivite = entry.get("collectivite")
    name = str(
        entry.get("name") or _slug(collectivite_key(collectivite) if collectivite else Path(location).name)
    )
    if not _NAME.match(name):
        raise SourcesError(f"{where} : name « {name} » : lettres minuscules, chiffres, - et _ seulement.")
    siret = entry.get("siret")
    if siret is not None:
        _check_siret(str(siret), where)
    return Source(
        name=name,
        kind=kind,
        location=location,
        urls=urls,
        collectivite=collectivite,
        siret=str(siret) if siret is not None else None,
        council=entry.get("council"),
        public_url=entry.get("public_url"),
        keep=bool(entry.get("keep", False)),
    )


def _check_url(url: str, where: str) -> None:
    if not re.match(r"^https?://[^\s/]+", url):
        raise SourcesError(f"{where} : « {url} » n'est pas une adresse http(s)://")


def _check_siret(siret: str, where: str) -> None:
    if not re.fullmatch(r"\d{14}", siret):
        raise SourcesError(f"{where} : le SIRET « {siret} » doit compter 14 chiffres.")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:63] or "source"


def default_path(cwd: Path, data_dir: Path) -> Path:
    """The sources file used when none is named: ./registre.toml, else the one in the data dir."""
    here = cwd / "registre.toml"
    return here if here.is_file() else data_dir / "registre.toml"
