"""Judging: each check reads its probes' results and ends pass, fail or n/a, with expected against got.

Expected, got and why are Texts (easel.core.i18n_text): the store and `easel scorecard --json` keep them in
English; the page shows them with `shown()` (easel.scorecard.shown_check), translated, numbers and parameter names
as measured. A doc's own words (“…”) and a provider's error text stay verbatim."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from decimal import Decimal

from easel.core.i18n import N_, _
from easel.core.i18n_text import Template, shown
from easel.core.models import Money
from easel.providers import pricing, sizes
from easel.providers.catalog import Profile
from easel.scorecard import doc_facts, measure
from easel.scorecard.suite import COMPRESSIONS, Probe, mask_png, source_png

__all__ = ["ProbeResult", "CheckResult", "judge", "MASK_TOLERANCE", "COMPRESSION_MIN_CHANGE", "COST_TOLERANCE",
           "VERDICTS", "shown_check"]

MASK_TOLERANCE = 8.0            # mean |Δ| per RGB channel (of 255) allowed outside the mask
COMPRESSION_MIN_CHANGE = 0.10   # two compression levels must change the file size by at least 10 %
COST_TOLERANCE = 0.01           # reported cost within 1 % of the formula (text tokens are the only estimate)

# A check's verdict as a reader sees it (the stored verdict is the machine word).
VERDICTS = {"pass": N_("pass"), "fail": N_("fail"), "n/a": N_("n/a")}

_INT = r"[0-9][0-9,]*"
_DOC = {"doc": doc_facts.DOC_NAMES}
NOT_SENT = Template(N_("not sent: {reason}"), texts=("reason",))
NOT_RUN = Template(N_("not run"))
NO_IMAGES = Template(N_("completed without images"))
DID_NOT_RETURN = Template(N_("a probe did not return images"))
SIZES_EXPECTED = Template(N_("{count} sizes at exactly their pixels: {sizes}"), patterns={"count": _INT})
SIZES_ALL_EXACT = Template(N_("all {count} exact"), patterns={"count": _INT})
SIZES_WRONG = Template(N_("{wrong} of {count} wrong: {details}"), patterns={"wrong": _INT, "count": _INT})
SIZES_WHY = Template(N_("pixels decoded from the returned bytes"))
N_EXPECTED = Template(N_("{n} images for n={n}"), patterns={"n": _INT})
N_GOT = Template(N_("{count} images"), patterns={"count": _INT})
NO_PARAMETER = Template(N_("{doc} has no {parameter} parameter"), patterns={"parameter": "[a-z_]+"}, labels=_DOC)
FORMAT_BYTES = Template(N_("{format} bytes"), patterns={"format": "[a-z]+"})
FORMAT_FOUND = Template(N_("{found} bytes for {format}"), patterns={"found": "[a-z/]*", "format": "[a-z]+"})
FORMAT_WHY = Template(N_("judged by the bytes' magic number, not the Content-Type or file name"))
COMPRESSION_EXPECTED = Template(N_("JPEG file size changes by ≥ {share} between output_compression {low} and "
                                   "{high}"))
COMPRESSION_GOT = Template(N_("{low} → {low_bytes} B, {high} → {high_bytes} B ({change} apart; {formats} bytes)"))
ALPHA_EXPECTED = Template(N_("an alpha channel with fully transparent pixels"))
NO_ALPHA = Template(N_("no alpha channel ({format} bytes)"))
ALPHA_GOT = Template(N_("alpha channel, {share} of pixels fully transparent"))
NO_MASK_DOC = Template(N_("{doc} documents no mask"), labels=_DOC)
MASK_EXPECTED = Template(N_("outside the mask: mean |Δ| ≤ {tolerance} of 255 per channel"))
MASK_GOT = Template(N_("mean |Δ| {diff} outside the mask"))
MASK_WHY = Template(N_("measured on the returned image against the source; without a mask the whole image may "
                       "change"))
NOT_FINISHED = Template(N_("not finished"))
HTTP_200 = Template(N_("HTTP 200 with {n} image(s) {shapes}"), patterns={"n": _INT})
HTTP_200_NONE = Template(N_("HTTP 200 with {n} image(s)"), patterns={"n": _INT})
NO_FORMULA = Template(N_("{why}: there is no formula to hold it against"), texts=("why",))
Template(N_("gccai publishes no price list; the task reports its cost"))     # pricing.GCCAI_NO_PRICE, quoted above
NO_PRICE = Template(N_("{doc} gives no price"), labels=_DOC)
COST_EXPECTED_FAIL = Template(N_("the doc's price for the n probe"))
COST_EXPECTED = Template(N_("{formula} ({basis})"), money=("formula",))
NO_COST = Template(N_("no cost recorded"))
COST_GOT = Template(N_("{amount}"), money=("amount",))
COST_WHY = Template(N_("reported within {share} of the formula; pricing.py encodes {doc}"), labels=_DOC)
NO_REVISED_PROMISE = Template(N_("{doc} does not promise revised_prompt"), labels=_DOC)
REVISED_SAME = Template(N_("revised_prompt equal to the prompt on every image"))
REVISED_ANY = Template(N_("a non-empty revised_prompt on every image"))
REVISED_GOT = Template(N_("{good} of {total} images; e.g. {example}"), patterns={"good": _INT, "total": _INT})
REVISED_NONE = Template(N_("{good} of {total} images; none present"), patterns={"good": _INT, "total": _INT})
NO_LATENCY_TABLE = Template(N_("{doc} has no latency table"), labels=_DOC)
LATENCY_EXPECTED = Template(N_("{quality} p50 ≤ {high} s (doc: {low}–{high} s)"), patterns={"quality": "[a-z]+"})
LATENCY_NO_SAMPLE = Template(N_("{quality}: no sample"), patterns={"quality": "[a-z]+"})
LATENCY_GOT = Template(N_("{quality} p50 {p50} s of {count}"), patterns={"quality": "[a-z]+", "count": _INT})
LATENCY_WHY = Template(N_("qcode.txt “Latency & timeout settings”, typical column; submit to image on disk"))


@dataclass
class ProbeResult:
    probe: Probe
    job: object | None = None                  # the JobRow, final (or last seen)
    images: list[tuple[object, bytes]] = field(default_factory=list)   # (ImageRow, bytes) in result order
    status_code: int | None = None             # the last HTTP attempt's status
    refused: str | None = None                 # Easel's own validation refused to send it (a suite bug)

    @property
    def completed(self) -> bool:
        return self.job is not None and self.job.status == "completed" and bool(self.images)

    def failure(self) -> str:
        if self.refused:
            return NOT_SENT(reason=self.refused)
        if self.job is None:
            return NOT_RUN()
        if self.job.status == "completed":
            return NO_IMAGES()
        return f"{self.job.status}: {self.job.error_code or ''} {self.job.error_message or ''}".strip()


@dataclass
class CheckResult:
    name: str
    status: str                 # "pass" | "fail" | "n/a"
    expected: str = ""
    got: str = ""
    why: str = ""               # why n/a, or the tolerance / source the expectation comes from
    job_ids: list[str] = field(default_factory=list)


def shown_check(check) -> dict[str, str]:
    """A check (a CheckResult, or a stored CheckRow) for reading: its verdict, expected, got and why in the
    reader's language; the check's name stays the parameter it is about."""
    return {"name": check.name, "status": _(VERDICTS[check.status]) if check.status in VERDICTS else check.status,
            "expected": shown(check.expected), "got": shown(check.got), "why": shown(check.why)}


def _jobs(*results: ProbeResult) -> list[str]:
    return [r.job.id for r in results if r is not None and r.job is not None]


def _na(name: str, why: str) -> CheckResult:
    return CheckResult(name, "n/a", why=why)


def _unfinished(name: str, expected: str, results: list[ProbeResult]) -> CheckResult | None:
    bad = [r for r in results if not r.completed]
    if not bad:
        return None
    got = "; ".join(f"{r.probe.key}: {r.failure()}" for r in bad)
    return CheckResult(name, "fail", expected, got, DID_NOT_RETURN(), _jobs(*results))


def _of(results: dict[str, ProbeResult], prefix: str) -> list[ProbeResult]:
    return [r for key, r in results.items() if key == prefix or key.startswith(prefix + ":")]


def check_sizes(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "size")
    expected = SIZES_EXPECTED(count=len(probes), sizes=", ".join(
        f"{r.probe.key[5:]}→{sizes.format_pixels(r.probe.expect['pixels'])}"
        if r.probe.key[5:] != sizes.format_pixels(r.probe.expect["pixels"]) else r.probe.key[5:] for r in probes))
    if (bad := _unfinished("sizes", expected, probes)) is not None:
        return bad
    wrong = []
    for r in probes:
        want = tuple(r.probe.expect["pixels"])
        for row, _data in r.images:
            if (row.width, row.height) != want:
                wrong.append(f"{sizes.format_pixels(want)} → {row.width}x{row.height}")
    got = SIZES_ALL_EXACT(count=len(probes)) if not wrong else \
        SIZES_WRONG(wrong=len(wrong), count=len(probes), details="; ".join(wrong))
    return CheckResult("sizes", "fail" if wrong else "pass", expected, got, SIZES_WHY(), _jobs(*probes))


def check_n(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    r = results["n"]
    want = r.probe.expect["n"]
    expected = N_EXPECTED(n=want)
    if not (r.job and r.job.status == "completed"):
        return CheckResult("n", "fail", expected, r.failure(), "", _jobs(r))
    got = N_GOT(count=len(r.images))
    return CheckResult("n", "pass" if len(r.images) == want else "fail", expected, got, "", _jobs(r))


def check_output_format(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "format")
    if not probes:
        return _na("output_format", NO_PARAMETER(doc=doc_facts.doc_name(profile), parameter="output_format"))
    expected = ", ".join(FORMAT_BYTES(format=r.probe.expect["format"]) for r in probes)
    if (bad := _unfinished("output_format", expected, probes)) is not None:
        return bad
    found, wrong = [], False
    for r in probes:
        kinds = sorted({measure.magic_format(data) for _row, data in r.images})
        wrong |= kinds != [r.probe.expect["format"]]
        found.append(FORMAT_FOUND(found="/".join(kinds), format=r.probe.expect["format"]))
    return CheckResult("output_format", "fail" if wrong else "pass", expected, ", ".join(found), FORMAT_WHY(),
                       _jobs(*probes))


def check_output_compression(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "compression")
    if not probes:
        return _na("output_compression", NO_PARAMETER(doc=doc_facts.doc_name(profile), parameter="output_compression"))
    low, high = COMPRESSIONS
    expected = COMPRESSION_EXPECTED(share=f"{COMPRESSION_MIN_CHANGE:.0%}", low=low, high=high)
    if (bad := _unfinished("output_compression", expected, probes)) is not None:
        return bad
    by_level = {r.probe.expect["compression"]: r.images[0][1] for r in probes}
    a, b = len(by_level[low]), len(by_level[high])
    change = abs(a - b) / max(a, b, 1)
    formats = {measure.magic_format(d) for d in by_level.values()}
    got = COMPRESSION_GOT(low=low, low_bytes=f"{a:,}", high=high, high_bytes=f"{b:,}", change=f"{change:.0%}",
                          formats="/".join(sorted(formats)))
    ok = change >= COMPRESSION_MIN_CHANGE
    return CheckResult("output_compression", "pass" if ok else "fail", expected, got, "", _jobs(*probes))


def check_background(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    if profile.id in doc_facts.NO_TRANSPARENCY:
        return _na("background", doc_facts.NO_TRANSPARENCY[profile.id])
    r = results.get("transparent")
    if r is None:
        return _na("background", NO_PARAMETER(doc=doc_facts.doc_name(profile), parameter="background"))
    expected = ALPHA_EXPECTED()
    if (bad := _unfinished("background", expected, [r])) is not None:
        return bad
    data = r.images[0][1]
    share = measure.alpha_share(data)
    if share is None:
        got, ok = NO_ALPHA(format=measure.magic_format(data)), False
    else:
        got, ok = ALPHA_GOT(share=f"{share:.0%}"), share > 0
    return CheckResult("background", "pass" if ok else "fail", expected, got, "background=transparent", _jobs(r))


def check_mask(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    r = results.get("mask")
    if r is None:
        return _na("mask", profile.mask_note or NO_MASK_DOC(doc=doc_facts.doc_name(profile)))
    expected = MASK_EXPECTED(tolerance=f"{MASK_TOLERANCE:g}")
    if (bad := _unfinished("mask", expected, [r])) is not None:
        return bad
    diff = measure.outside_mask_difference(source_png(), mask_png(), r.images[0][1])
    got = MASK_GOT(diff=f"{diff:.2f}")
    return CheckResult("mask", "pass" if diff <= MASK_TOLERANCE else "fail", expected, got, MASK_WHY(), _jobs(r))


def check_errors(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    fact = doc_facts.invalid_size_fact(profile)
    r = results["invalid_size"]
    expected = f"size={fact.size} → HTTP {fact.status}" + (f" {fact.code}" if fact.code else "")
    if r.refused:
        return CheckResult("errors", "fail", expected, r.failure(), fact.source, _jobs(r))
    job = r.job
    if job is None or job.status == "completed":
        shapes = ", ".join(f"{row.width}x{row.height}" for row, _data in r.images)
        got = NOT_FINISHED() if job is None else (HTTP_200(n=len(r.images), shapes=shapes) if shapes else
                                                  HTTP_200_NONE(n=len(r.images)))
        return CheckResult("errors", "fail", expected, got, fact.source, _jobs(r))
    code = job.error_code
    got = f"HTTP {r.status_code}" + (f" {code}" if code else "") if r.status_code else f"{job.status}: {code}"
    ok = r.status_code == fact.status and (fact.code is None or code == fact.code)
    return CheckResult("errors", "pass" if ok else "fail", expected, got, fact.source, _jobs(r))


def check_cost(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    if profile.id in doc_facts.NO_REPORTED_COST:
        return _na("cost", doc_facts.NO_REPORTED_COST[profile.id])
    if profile.pricing == "task_reported":
        return _na("cost", NO_FORMULA(why=pricing.GCCAI_NO_PRICE))
    if profile.pricing == "none":
        return _na("cost", NO_PRICE(doc=doc_facts.doc_name(profile)))
    r = results["n"]
    if not (r.job and r.job.status == "completed" and r.images):
        return CheckResult("cost", "fail", COST_EXPECTED_FAIL(), r.failure(), "", _jobs(r))
    # The formula applied to what actually came back: its count and its pixels.
    w, h = r.images[0][0].width, r.images[0][0].height
    req = r.probe.request
    formula_req = replace(req, n=len(r.images), size=f"{w}x{h}" if profile.size_mode != "ratio" else req.size)
    formula = pricing.estimate(profile, formula_req)
    reported = r.job.cost_actual
    expected = COST_EXPECTED(formula=formula, basis=formula.basis)
    if reported is None or formula.amount is None:
        return CheckResult("cost", "fail", expected, NO_COST(), "", _jobs(r))
    got_money = Money(reported, r.job.currency or formula.currency)
    a, b = Decimal(str(reported)), Decimal(str(formula.amount))
    ok = abs(a - b) <= abs(b) * Decimal(str(COST_TOLERANCE))
    return CheckResult("cost", "pass" if ok else "fail", expected, COST_GOT(amount=got_money),
                       COST_WHY(share=f"{COST_TOLERANCE:.0%}", doc=doc_facts.doc_name(profile)), _jobs(r))


def check_revised_prompt(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    promise = doc_facts.REVISED_PROMPT.get(profile.id)
    if promise is None:
        return _na("revised_prompt", doc_facts.NO_REVISED_PROMPT.get(
            profile.id, NO_REVISED_PROMISE(doc=doc_facts.doc_name(profile))))
    kind, source = promise
    r = results["n"]
    expected = REVISED_SAME() if kind == "same" else REVISED_ANY()
    if (bad := _unfinished("revised_prompt", expected, [r])) is not None:
        return bad
    texts = [row.revised_prompt for row, _data in r.images]
    good = [t for t in texts if t and (kind != "same" or t == r.probe.request.prompt)]
    got = REVISED_GOT(good=len(good), total=len(texts), example=repr(texts[0])) if texts and texts[0] else \
        REVISED_NONE(good=len(good), total=len(texts))
    return CheckResult("revised_prompt", "pass" if len(good) == len(texts) else "fail", expected, got, source,
                       _jobs(r))


def check_latency(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    table = doc_facts.LATENCY_TABLE.get(profile.id)
    if table is None:
        return _na("latency", NO_LATENCY_TABLE(doc=doc_facts.doc_name(profile)))
    expected_parts, got_parts, ok, used = [], [], True, []
    for quality, (lo, hi) in table.items():
        runs = [r for r in results.values() if r.completed and r.probe.check and r.job.quality == quality
                and r.job.latency_s is not None]
        used += runs
        expected_parts.append(LATENCY_EXPECTED(quality=quality, high=f"{hi:g}", low=f"{lo:g}"))
        if not runs:
            got_parts.append(LATENCY_NO_SAMPLE(quality=quality))
            ok = False
            continue
        p50 = statistics.median(r.job.latency_s for r in runs)
        got_parts.append(LATENCY_GOT(quality=quality, p50=f"{p50:.1f}", count=len(runs)))
        ok &= p50 <= hi
    return CheckResult("latency", "pass" if ok else "fail", "; ".join(expected_parts), "; ".join(got_parts),
                       LATENCY_WHY(), _jobs(*used))


JUDGES = {
    "sizes": check_sizes, "n": check_n, "output_format": check_output_format,
    "output_compression": check_output_compression, "background": check_background, "mask": check_mask,
    "errors": check_errors, "cost": check_cost, "revised_prompt": check_revised_prompt, "latency": check_latency,
}


def judge(profile: Profile, checks: list[str], results: dict[str, ProbeResult]) -> list[CheckResult]:
    return [JUDGES[name](profile, results) for name in checks]
