"""The normalized shapes every dialect parses into: results, task states, and money."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Money", "RawImage", "ImageOut", "WireResult", "TaskState", "TaskStatus", "Usage"]


@dataclass(frozen=True)
class Money:
    """An amount in its own unit. Units are never mixed silently: 'CNY', 'USD' or 'credits'."""

    amount: float | None
    currency: str
    basis: str = ""        # how it was reached, for the UI: "2 × medium", "usage tokens", "task report"

    def label(self) -> str:
        """'CNY 0.40', 'USD 0.211', '3,000 credits': at least two decimals, up to five, no trailing zeros."""
        if self.amount is None:
            return f"{self.currency} ?"
        if self.currency == "credits":
            return f"{self.amount:,.0f} credits"
        whole, _, frac = f"{self.amount:.5f}".partition(".")
        frac = frac.rstrip("0").ljust(2, "0")
        return f"{self.currency} {whole}.{frac}"


@dataclass(frozen=True)
class Usage:
    """OpenAI-style token usage (openai-hk bills credits from it; the generic API bills USD)."""

    text_tokens: int = 0
    image_tokens: int = 0
    output_tokens: int = 0


@dataclass
class RawImage:
    """One result as the wire gave it, before download: base64 bytes or a URL (a credential), never both needed."""

    b64: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


@dataclass
class ImageOut:
    """One result image whose bytes we hold."""

    data: bytes
    width: int
    height: int
    mime: str
    revised_prompt: str | None = None
    source_url: str | None = None      # kept as a credential: stored, never logged or shown by default


@dataclass
class WireResult:
    """A parsed sync response, or a parsed async submission (task_ids set, images empty)."""

    images: list[RawImage] = field(default_factory=list)
    task_ids: list[str] = field(default_factory=list)
    provider_request_id: str | None = None
    usage: Usage | None = None
    reported_cost: float | None = None


class TaskState(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass
class TaskStatus:
    task_id: str
    state: TaskState
    progress: int | None = None        # 0–100 where the provider reports it (gccai); None otherwise
    images: list[RawImage] = field(default_factory=list)
    reported_cost: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    expires_at: float | None = None

    @property
    def done(self) -> bool:
        return self.state in (TaskState.COMPLETED, TaskState.FAILED)
