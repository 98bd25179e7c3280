"""Fetch what a collectivité publishes, carefully: timeouts, a size cap, a content check, retries with backoff,
and conditional requests (ETag, Last-Modified) so an unchanged file is not downloaded again."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

USER_AGENT = "registre-sync/1 (deliberations)"  # header values are ASCII
# What servers send for a PDF; an HTML page (an error page, a login form) is refused whatever its name.
_PDF_TYPES = ("application/pdf", "application/x-pdf", "application/octet-stream", "binary/octet-stream",
              "application/force-download", "application/download")  # fmt: skip
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DownloadError(RuntimeError):
    """A file could not be fetched; the message says which and why, in French."""


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes | None  # None: not modified since the validators given
    etag: str | None
    last_modified: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content or b"").hexdigest()


class Fetcher:
    """One HTTP client for a whole sync (connections reused), with its limits."""

    def __init__(
        self,
        timeout_s: float = 30.0,
        max_bytes: int = 100 * 1024 * 1024,
        retries: int = 3,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.max_bytes, self.retries, self.backoff_s, self._sleep = max_bytes, retries, backoff_s, sleep
        # A server that trickles bytes is cut after ten times the single wait allowed.
        self.total_s = timeout_s * 10
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s), follow_redirects=True, headers={"User-Agent": USER_AGENT}
        )

    def close(self) -> None:
        self._client.close()

    def get(
        self, url: str, etag: str | None = None, last_modified: str | None = None, pdf: bool = True
    ) -> Fetched:
        """The file at url, or content None when the server says it has not changed (304); pdf: check that it
        is one. Network failures and server errors are retried with growing pauses; refusals (4xx) are not."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(self.retries + 1):
            try:
                return self._once(url, headers, pdf)
            except _Retry as e:
                if attempt == self.retries:
                    raise DownloadError(f"{url} : {e} (après {attempt + 1} essais)") from None
                self._sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict[str, str], pdf: bool) -> Fetched:
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Fetched(url, None, r.headers.get("etag"), r.headers.get("last-modified"))
                if r.status_code in _RETRY_STATUS:
                    raise _Retry(f"le serveur répond {r.status_code}")
                if r.status_code >= 400:
                    raise DownloadError(f"{url} : le serveur répond {r.status_code}")
                content_type = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if pdf and content_type and content_type not in _PDF_TYPES:
                    raise DownloadError(f"{url} : ce n'est pas un PDF (type {content_type})")
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise DownloadError(
                        f"{url} : {int(declared) / 2**20:.1f} Mo, au-delà de la limite de {self.max_bytes / 2**20:g} Mo"
                    )
                content = self._read(r, url)
        except httpx.TimeoutException:
            raise _Retry("délai dépassé") from None
        except httpx.TransportError as e:
            raise _Retry(f"connexion impossible ({type(e).__name__})") from None
        if pdf and b"%PDF" not in content[:1024]:
            raise DownloadError(f"{url} : ce n'est pas un PDF (le fichier ne commence pas par %PDF)")
        return Fetched(url, content, r.headers.get("etag"), r.headers.get("last-modified"))

    def _read(self, r: httpx.Response, url: str) -> bytes:
        started, parts, size = time.monotonic(), [], 0
        for part in r.iter_bytes():
            size += len(part)
            if size > self.max_bytes:
                raise DownloadError(f"{url} : plus de {self.max_bytes / 2**20:g} Mo, au-delà de la limite")
            if time.monotonic() - started > self.total_s:
                raise _Retry("téléchargement trop lent")
            parts.append(part)
        return b"".join(parts)


class _Retry(Exception):
    """A failure worth another try: the network, a timeout, a server overloaded or failing."""
