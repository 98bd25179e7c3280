"""Every setting of registre, read once from the environment (prefix REGISTRE_) or a .env file."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(PROJECT_DIR / "var", description="Where the index and the model weights live.")
    embedder: str = Field(
        "use-multilingual",
        description="Embedding model: `use-multilingual` (offline ONNX, default) or any sentence-transformers "
        "model given as `st:<local path or name>`.",
    )
    llm: str = Field(
        "qwen2.5-coder-1.5b", description="Model name from models/registry.json, or a path to a GGUF file."
    )
    llm_context: int = Field(4096, description="Context window of the LLM, in tokens.")
    llm_threads: int = Field(0, description="CPU threads for the LLM; 0 means every core.")
    llm_gpu_layers: int = Field(
        -1, description="Layers offloaded to the GPU when the build supports it (-1: all; 0: CPU only)."
    )
    llm_max_tokens: int = Field(160, description="Longest answer, in tokens.")
    ocr: bool = Field(True, description="Read image-only scans with Tesseract (French) when it is installed.")
    ingest_workers: int = Field(
        0, description="Processes reading PDFs during an ingest; 0 means one per core."
    )
    top_k: int = Field(3, description="Evidence passages given to the LLM per question.")
    extract_words: int = Field(40, description="Longest evidence passage given to the LLM, in words.")
    warm_up: bool = Field(
        True,
        description="At start-up, ask one question as far as its sources (never the model), so that the first "
        "citizen's question does not wait for spaCy, the embedder and the index's caches to load.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (the sites embedding the widget), as a JSON "
        'list: ["https://www.ville.fr"]. Empty: same origin only.',
    )
    human_contact: str = Field(
        "Pour toute question, contactez l'accueil de la mairie.",
        description="How a citizen reaches a person; shown with every answer.",
    )
    model_label: str = Field(
        "un modèle de langue open source exécuté par la collectivité",
        description="How the notice under an AI-written answer names the model to citizens, in plain words "
        "(never the weights' file name).",
    )
    theme_css: Path | None = Field(
        None,
        description="A stylesheet of the city's colours, font, corner radius and logo (CSS custom properties, see "
        "the README), served at /theme.css and applied to the chat page, the reader and the search page.",
    )
    rate_limit_per_minute: int = Field(
        30,
        description="Requests a minute each client may send to /api/ and /v1/ (0: no limit). Over it: 429.",
    )
    rate_limit_burst: int = Field(
        20, description="Requests a client may send at once before the rate applies."
    )
    max_request_bytes: int = Field(
        64 * 1024, description="Largest request body accepted, in bytes (0: no limit). Over it: 413."
    )
    admin_token: str = Field(
        "",
        description="Token for POST /api/admin/ingest and /api/admin/reload, GET /metrics and "
        "/api/admin/feedback (header `Authorization: Bearer <token>`). Empty: they are disabled. Use a long "
        "random value.",
    )
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Also serve the Prometheus metrics, without token, on this port (0: only GET /metrics "
        "behind the admin token).",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address the metrics port listens on (keep it private: no token there)."
    )
    feedback_retention_days: int = Field(
        30, ge=1, description="Days the citizens' ratings (👍/👎) are kept; older ones are deleted."
    )
    corpus_dir: Path | None = Field(
        None,
        description="Folder of PDFs re-indexed by POST /api/admin/ingest; unset: the folder the published "
        "index was built from.",
    )

    sources: Path | None = Field(
        None,
        description="The sources file read by `registre sync` (unset: ./registre.toml, else "
        "REGISTRE_DATA_DIR/registre.toml).",
    )
    collectivite_siret: str = Field(
        "",
        description="SIRET of the collectivité (14 digits), written in the SCDL open-data export for the acts "
        "whose SIRET the sources file does not give.",
    )
    public_url: str = Field(
        "",
        description="Public address of this registre (https://…): set, the links of citations, of search results "
        "and of the SCDL export are absolute. Empty: the API's links are relative to the server.",
    )
    llm_url: str = Field(
        "",
        description="Base URL of a remote OpenAI-compatible server (vLLM, llama.cpp's server), e.g. "
        "`http://gpu-1:8080/v1`. Set, it replaces the local model: REGISTRE_LLM is then unused.",
    )
    llm_remote_model: str = Field(
        "", description="Model name sent to the remote server (empty: its default)."
    )
    llm_api_key: str = Field("", description="Bearer key for the remote server, when it asks for one.")
    llm_parallel: int = Field(
        1,
        ge=1,
        description="Answers generated at once: 1 for the local model; the remote server's batch size otherwise.",
    )
    chat_max_waiting: int = Field(
        8,
        ge=0,
        description="Chats waiting for the model, beyond those being answered; past it the API answers 503 "
        "with Retry-After instead of growing memory.",
    )
    database_url: str = Field(
        "",
        description="A PostgreSQL database shared by several servers (`postgresql://user:password@host/registre`): "
        "set, the index (as versions), the citizens' ratings and the rate-limit counters live there, the same for "
        "every server; its schema "
        "is brought up to date by `registre db upgrade`. Empty: a SQLite file and memory, on this machine only.",
    )

    index_poll_seconds: float = Field(
        5.0,
        gt=0,
        description="With REGISTRE_DATABASE_URL: how often each server asks the database which index version is "
        "current, and switches to a new one (between requests) within that delay of its publication.",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        url = url.strip()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("REGISTRE_DATABASE_URL doit commencer par postgresql:// (une base PostgreSQL).")
        return url

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(f"REGISTRE_PUBLIC_URL doit commencer par https:// (reçu : {url!r}).")
        return url

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.sqlite3"
