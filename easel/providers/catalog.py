"""Provider profiles: what each provider speaks, allows, charges and limits, taken from ../shared/providers/.

A profile is pure data. A dialect module (easel.dialects) turns requests into wire bytes for a profile;
pricing (easel.pricing) and validation (easel.request) read the profile's fields. A provider that speaks
an existing dialect needs only a new profile, which is how custom OpenAI-compatible endpoints work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from easel.core.i18n import N_
from easel.providers import sizes

__all__ = ["Profile", "PollSchedule", "BUILTIN", "get_profile", "custom_profile", "simulated_profile", "prefix_for",
           "PREFIXES", "DIALECT_PREFIXES",
           "DIALECTS", "EXTRA_OPTIONS", "TEXT_EXTRAS", "all_profiles", "STREAM_UNSUPPORTED", "PARTIAL_IMAGES_MAX",
           "stream_unsupported_reason", "supports_stream"]

DIALECTS = ("openai", "icodeeasy", "gccai")

# Extra parameters a provider may accept, with their documented values (None = free integer 0–100).
EXTRA_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "background": ("auto", "opaque", "transparent"),
    "output_format": ("png", "jpeg", "webp"),
    "output_compression": None,
    "input_fidelity": ("low", "high"),
    "moderation": ("auto", "low"),
}
# Extras whose value is free text, not a choice or a number. `user`: "A unique identifier representing your
# end-user" (OpenAI spec, CreateImageRequest / CreateImageEditRequest; qcode.txt, edits "passed through").
TEXT_EXTRAS: tuple[str, ...] = ("user",)
MAX_TEXT_EXTRA = 256      # no doc gives a limit; a bound keeps a pasted paragraph out of the request


@dataclass(frozen=True)
class PollSchedule:
    """How a provider's tasks are polled: first delay, interval range, and the deadline."""

    first_delay_s: float = 10.0
    interval_s: float = 3.0
    max_interval_s: float = 5.0
    deadline_s: float = 300.0


@dataclass(frozen=True)
class Profile:
    id: str
    label: str
    dialect: str                          # "openai" | "icodeeasy" | "gccai"
    base_url: str                         # as the doc gives it; the dialect appends documented paths
    models: tuple[str, ...]
    key_prefix: str = ""                  # shown as a hint only ("sk_", "cr_", "hk-")
    path_prefix: str = ""                 # appended to base_url before the documented path ("/v1" for bare origins)
    multipart_image_field: str = "image[]"   # each part when several images go: QCode "image", others "image[]"
    # The field when exactly one image goes, if it differs. OpenAI's spec types `image` as "a binary or an array
    # of binaries"; the official SDK (openai 3.x, extract_files with paths [["image"], ["image", "<array>"]] and
    # array_format "brackets") sends one file as `image` and a list as `image[]`, one part each. openai-hk's doc
    # shows only `image[]` (even its 1-image curl would repeat it), so it keeps `image[]` for one image too.
    multipart_single_image_field: str | None = None
    regions: dict[str, str] = field(default_factory=dict)   # label → base URL (QCode)
    # --- entries behind a CDN that cuts long requests (QCode; see easel.providers.entries) ---
    direct_entry: str = ""                # the base URL with no CDN time limit
    cdn_limit_s: float | None = None      # the CDN's cut on the other entries, in seconds
    cdn_default_quality: str | None = None     # the quality offered first on a CDN entry
    # --- sizes ---
    size_mode: str = "pixels"             # "ratio" (ratio + resolution) | "pixels" (free WxH, rule-checked) | "fixed"
    sizes: tuple[str, ...] = ()           # ratios, fixed pixel strings, or presets offered in the UI
    edit_sizes: tuple[str, ...] = ()      # extra sizes allowed on edits only (QCode's "auto")
    resolutions: tuple[str, ...] = ()     # "1k", "2k", "4k" where size_mode == "ratio"
    default_size: str = "1024x1024"
    default_edit_size: str | None = None  # where an edit's documented default differs (OpenAI: 1024x1024 vs auto)
    default_resolution: str | None = None
    pixel_rules: bool = False             # openai-hk's constraints apply to free pixel sizes
    # --- parameters ---
    qualities: tuple[str, ...] = ("low", "medium", "high", "auto")
    edit_qualities: tuple[str, ...] = ()
    default_quality: str = "medium"
    n_max: int = 4
    max_references: int = 0               # most input images (references / edit sources)
    reference_urls: bool = False          # https URLs may pass through to the provider
    https_only_urls: bool = False
    mask: str | None = None               # "multipart" | "url" | None
    mask_note: str = ""                   # why there is no mask, from the doc
    mask_single_image_only: bool = False
    async_mode: str = "none"              # "none" | "optional" (icodeeasy ?async=1) | "always" (gccai)
    response: str = "b64_json"            # what results arrive as: "b64_json" | "url"
    response_format_param: str | None = None   # value Easel sends as response_format, if any
    extras: tuple[str, ...] = ()          # keys of EXTRA_OPTIONS / TEXT_EXTRAS accepted (generations and edits)
    edit_only_extras: tuple[str, ...] = ()     # accepted on edits only (QCode; OpenAI's input_fidelity)
    generation_only_extras: tuple[str, ...] = ()   # accepted on generations only (OpenAI's moderation)
    open_models: bool = False             # any model name may be typed (the doc does not fix the list)
    models_endpoint: bool = False         # GET /models is documented: its image models join the list
    # --- money and limits ---
    pricing: str = "none"                 # "icodeeasy_tiers" | "qcode_table" | "tokens_credits" | "tokens_usd" | "task_reported"
    currency: str = "USD"                 # "CNY" | "USD" | "credits"
    daily_image_cap: int | None = None
    quota_reset_tz: str | None = None     # IANA zone in which the daily cap resets at midnight
    concurrency: int = 4
    max_upload_bytes: int = 25 * 1024 * 1024
    max_total_upload_bytes: int = 200 * 1024 * 1024
    typical_latency_s: float = 45.0
    request_timeout_s: float = 300.0
    poll: PollSchedule = PollSchedule()
    simulated: bool = False
    custom: bool = False
    doc: str = ""                         # the file in ../shared/providers/ that is its source of truth

    @property
    def default_model(self) -> str:
        return self.models[0]

    @property
    def env_id(self) -> str:
        """EASEL_<ID>_API_KEY: id upper-cased, '-' → '_'."""
        return self.id.upper().replace("-", "_")

    def allowed_sizes(self, *, edit: bool) -> tuple[str, ...]:
        return self.sizes + (self.edit_sizes if edit else ())

    def allowed_qualities(self, *, edit: bool) -> tuple[str, ...]:
        return self.edit_qualities if (edit and self.edit_qualities) else self.qualities

    def allowed_extras(self, *, edit: bool) -> tuple[str, ...]:
        return self.extras + (self.edit_only_extras if edit else self.generation_only_extras)

    def default_size_for(self, *, edit: bool) -> str:
        return (self.default_edit_size if edit else None) or self.default_size

    def image_field(self, count: int) -> str:
        """The multipart field name of each input image when `count` images go in one edit."""
        if count == 1 and self.multipart_single_image_field:
            return self.multipart_single_image_field
        return self.multipart_image_field

    @property
    def supports_async(self) -> bool:
        return self.async_mode != "none"


_OPENAI_PRESETS = tuple(
    sizes.format_pixels(v[tier]) for tier in ("1k", "2k", "4k") for v in sizes.OPENAI_HK_PRESETS.values()
)
# Per endpoint, as OpenAI's spec lists them: CreateImageRequest (generations) has `moderation` and no
# `input_fidelity`; CreateImageEditRequest (multipart edits) has `input_fidelity` and no `moderation`. Both
# take background, output_format, output_compression and user. Anything else is not sent.
_OPENAI_EXTRAS = ("background", "output_format", "output_compression", "user")
_OPENAI_EDIT_ONLY = ("input_fidelity",)
_OPENAI_GENERATION_ONLY = ("moderation",)

BUILTIN: dict[str, Profile] = {
    "demo": Profile(
        id="demo", label=N_("Demo (offline simulator)"), dialect="openai",
        base_url="http://127.0.0.1:0/openai/v1",     # replaced by the running simulator's address
        models=("gpt-image-2",), size_mode="pixels", sizes=("auto",) + _OPENAI_PRESETS, default_size="1024x1024",
        pixel_rules=True, max_references=16, mask="multipart", extras=_OPENAI_EXTRAS,
        edit_only_extras=_OPENAI_EDIT_ONLY, generation_only_extras=_OPENAI_GENERATION_ONLY,
        # Demo plays the OpenAI API ("every feature"), so it names image parts and lists models as OpenAI does.
        multipart_single_image_field="image", open_models=True, models_endpoint=True,
        pricing="tokens_usd", currency="USD", concurrency=4, typical_latency_s=2.0, request_timeout_s=60.0,
        simulated=True, poll=PollSchedule(first_delay_s=0.5, interval_s=0.5, max_interval_s=1.0, deadline_s=120.0),
        doc="openai-hk.txt",
    ),
    "icodeeasy": Profile(
        id="icodeeasy", label="icodeeasy", dialect="icodeeasy", base_url="https://jp.icodeeasy.cc", path_prefix="/v1",
        models=("gpt-image-2",), key_prefix="sk_", size_mode="ratio", sizes=sizes.ICODEEASY_RATIOS,
        resolutions=("1k", "2k"), default_size="1:1", default_resolution="1k",
        qualities=("low", "medium", "high", "auto"), default_quality="medium", n_max=4,
        max_references=16, reference_urls=True, https_only_urls=True, mask=None,
        mask_note=N_("icodeeasy's doc documents no mask parameter: edits there are reference-only (image_urls / "
                      "image[])."),
        async_mode="optional", response="url", pricing="icodeeasy_tiers", currency="CNY", concurrency=4,
        typical_latency_s=45.0, request_timeout_s=300.0,
        poll=PollSchedule(first_delay_s=5.0, interval_s=3.0, max_interval_s=5.0, deadline_s=600.0),
        doc="icodeeasy.txt",
    ),
    "qcode": Profile(
        id="qcode", label="QCode", dialect="openai", base_url="https://api.qcode.cc/qcode-img/v1",
        regions={
            N_("China, direct (no CDN limit)"): "https://api.qcode.cc/qcode-img/v1",
            N_("HK / SEA"): "https://asia.qcode.cc/qcode-img/v1",
            N_("Europe"): "https://eu.qcode.cc/qcode-img/v1",
            N_("North America"): "https://us.qcode.cc/qcode-img/v1",
        },
        # qcode.txt contradicts itself on which entries sit behind the CDN; Easel follows its "Mitigations"
        # (the qcode-img direct entry on api.qcode.cc has no 100 s limit) and treats the other regions as CDN.
        direct_entry="https://api.qcode.cc/qcode-img/v1", cdn_limit_s=100.0, cdn_default_quality="low",
        models=("gpt-image-2",), key_prefix="cr_", multipart_image_field="image", size_mode="fixed", sizes=sizes.QCODE_SIZES,
        edit_sizes=("auto",), default_size="1024x1024",
        qualities=("low", "medium", "high"), edit_qualities=("auto", "low", "medium", "high"),
        default_quality="medium", n_max=4, max_references=8, mask="multipart", mask_single_image_only=True,
        async_mode="none", response="b64_json",
        # qcode.txt lists these on edits only; its generations table has model, prompt, size, quality, n.
        edit_only_extras=("background", "output_format", "output_compression", "input_fidelity", "user"),
        pricing="qcode_table", currency="USD", daily_image_cap=100, quota_reset_tz="Asia/Shanghai",
        concurrency=2, max_upload_bytes=25 * 1024 * 1024, max_total_upload_bytes=200 * 1024 * 1024,
        typical_latency_s=60.0, request_timeout_s=300.0, doc="qcode.txt",
    ),
    "gccai": Profile(
        id="gccai", label="gccai", dialect="gccai", base_url="https://gccai.heqingsong.uk", path_prefix="/v1",
        models=("gpt-image-2-official",), size_mode="ratio", sizes=sizes.GCCAI_RATIOS,
        resolutions=("1k", "2k", "4k"), default_size="1:1", default_resolution="1k",
        qualities=("auto", "low", "medium", "high"), default_quality="auto", n_max=4,
        max_references=16, reference_urls=True, mask="url",
        async_mode="always", response="url", extras=("background", "moderation", "output_format", "output_compression"),
        pricing="task_reported", currency="USD", concurrency=8, typical_latency_s=60.0, request_timeout_s=180.0,
        poll=PollSchedule(first_delay_s=15.0, interval_s=3.0, max_interval_s=5.0, deadline_s=600.0),
        doc="gccai.txt",
    ),
    "openai-hk": Profile(
        id="openai-hk", label="openai-hk", dialect="openai", base_url="https://api.openai-hk.com", path_prefix="/v1",
        models=("gpt-image-2", "gpt-image-1.5", "gpt-image-1"), key_prefix="hk-", size_mode="pixels",
        sizes=("auto",) + _OPENAI_PRESETS, default_size="1024x1024", pixel_rules=True,
        qualities=("low", "medium", "high", "auto"), default_quality="low", n_max=4, max_references=16,
        mask="multipart", async_mode="none", response="b64_json", response_format_param="b64_json",
        pricing="tokens_credits", currency="credits", concurrency=4, typical_latency_s=60.0,
        request_timeout_s=300.0, doc="openai-hk.txt",
    ),
    "openai": Profile(
        id="openai", label=N_("OpenAI-compatible"), dialect="openai", base_url="https://api.openai.com/v1",
        models=("gpt-image-2", "gpt-image-1.5", "gpt-image-1"), key_prefix="sk-", size_mode="pixels",
        # Defaults as the spec gives them: size `auto` on generations, `1024x1024` on edits; quality `auto` on
        # both. Easel sends them explicitly, and the caption shows the size the provider chose (from the bytes).
        sizes=("auto",) + _OPENAI_PRESETS, default_size="auto", default_edit_size="1024x1024", pixel_rules=True,
        qualities=("low", "medium", "high", "auto"), default_quality="auto", n_max=10, max_references=16,
        mask="multipart", async_mode="none", response="b64_json", extras=_OPENAI_EXTRAS,
        edit_only_extras=_OPENAI_EDIT_ONLY, generation_only_extras=_OPENAI_GENERATION_ONLY,
        multipart_single_image_field="image", open_models=True, models_endpoint=True,
        pricing="tokens_usd", currency="USD", concurrency=4, typical_latency_s=60.0, request_timeout_s=300.0,
        doc="README.md",
    ),
}

_custom: dict[str, Profile] = {}


def get_profile(profile_id: str) -> Profile:
    try:
        return _custom.get(profile_id) or BUILTIN[profile_id]
    except KeyError:
        from easel.core.errors import ConfigError

        known = ", ".join(sorted(BUILTIN) + sorted(_custom))
        raise ConfigError(N_("Unknown provider {provider}. Known: {known}."), dict(provider=repr(profile_id), known=known),
                          code="unknown_provider") from None


def all_profiles() -> list[Profile]:
    return list(BUILTIN.values()) + list(_custom.values())


def custom_profile(profile_id: str, base_url: str, dialect: str, *, label: str | None = None,
                   model: str | None = None, register: bool = True) -> Profile:
    """A user's own provider: a name, a base URL and one of the dialects, on the template of that dialect."""
    from easel.core.errors import ConfigError

    if dialect not in DIALECTS:
        raise ConfigError(N_("Dialect must be one of {dialects}."), dict(dialects=", ".join(DIALECTS)),
                          code="unknown_dialect")
    template = {"openai": BUILTIN["openai"], "icodeeasy": BUILTIN["icodeeasy"], "gccai": BUILTIN["gccai"]}[dialect]
    models = (model,) + tuple(m for m in template.models if m != model) if model else template.models
    profile = replace(template, id=profile_id, label=label or profile_id, base_url=base_url.rstrip("/"),
                      models=models, custom=True, regions={})
    if register:
        _custom[profile_id] = profile
    return profile


def simulated_profile(profile: Profile, simulator_url: str) -> Profile:
    """The same provider pointed at Easel's local simulator (used by Demo and the tests)."""
    return replace(profile, base_url=simulator_url.rstrip("/") + prefix_for(profile), simulated=True, regions={})


# Where each provider lives on Easel's simulator. The simulator mounts its routes at these paths; they live
# here because a simulated profile is still a profile, and the provider layer never imports the simulator.
PREFIXES = {
    "demo": "/demo/v1",
    "openai": "/openai/v1",
    "openai-hk": "/openai-hk",
    "qcode": "/qcode/qcode-img/v1",
    "icodeeasy": "/icodeeasy",
    "gccai": "/gccai",
}
DIALECT_PREFIXES = {"openai": "/openai/v1", "icodeeasy": "/icodeeasy", "gccai": "/gccai"}


def prefix_for(profile) -> str:
    """The path a profile's base URL gets on the simulator (`profile` is a Profile or a provider id)."""
    if isinstance(profile, str):
        return PREFIXES[profile]
    if not getattr(profile, "custom", False) and profile.id in PREFIXES:
        return PREFIXES[profile.id]
    return DIALECT_PREFIXES[profile.dialect]


# --- streaming previews (`stream: true` + `partial_images` 0–3, OpenAI's server-sent image events) ------------
# Each provider's reading of its own doc, beside the code that relies on it:
# - openai (generic): OpenAI's published spec defines `stream` and `partial_images` on generations and edits.
# - demo: the simulator streams exactly as that spec defines.
# - openai-hk: its doc calls itself the plain OpenAI Images API and says nothing about streaming either way;
#   silence is read as "allowed", so Easel offers it (a gateway that ignores `stream` answers plain JSON, which
#   the client also takes).
# - qcode: its doc's comparison table rules it out, and the UI quotes that line.
# - icodeeasy: its doc says "The API always returns URLs and does not support response_format: b64_json"; the
#   stream's partial images are b64_json only, so there is nothing it could stream.
# - gccai: every request is a task (submit → task_id → poll); no response stays open to stream on.
# Marked with N_: shown translated with _() where a page shows them; the values themselves stay English.
STREAM_UNSUPPORTED: dict[str, str] = {
    "qcode": N_("QCode's doc: “stream + partial_images (incremental return) ⏳ Not yet supported (full result "
                "returned at once)”."),
    "icodeeasy": N_("icodeeasy's doc: “The API always returns URLs and does not support response_format: "
                    "b64_json”, and partial images arrive only as b64_json."),
    "gccai": N_("gccai's doc runs every request as a task (submit → task_id → poll): no response stays open to "
                "stream on."),
}
PARTIAL_IMAGES_MAX = 3          # OpenAI's spec: partial_images is an integer from 0 to 3


def stream_unsupported_reason(profile: Profile) -> str | None:
    """Why this provider cannot stream partial images (its doc's words), or None when it can."""
    if profile.dialect != "openai":
        return STREAM_UNSUPPORTED.get(profile.dialect)
    if profile.custom:
        return None                 # a custom OpenAI-compatible endpoint speaks the spec as published
    return STREAM_UNSUPPORTED.get(profile.id)


def supports_stream(profile: Profile) -> bool:
    return stream_unsupported_reason(profile) is None
