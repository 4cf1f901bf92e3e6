"""Judging: each check reads its probes' results and ends pass, fail or n/a, with expected against got."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from decimal import Decimal

from easel.core.models import Money
from easel.providers import pricing, sizes
from easel.providers.catalog import Profile
from easel.scorecard import doc_facts, measure
from easel.scorecard.suite import COMPRESSIONS, Probe, mask_png, source_png

__all__ = ["ProbeResult", "CheckResult", "judge", "MASK_TOLERANCE", "COMPRESSION_MIN_CHANGE", "COST_TOLERANCE"]

MASK_TOLERANCE = 8.0            # mean |Δ| per RGB channel (of 255) allowed outside the mask
COMPRESSION_MIN_CHANGE = 0.10   # two compression levels must change the file size by at least 10 %
COST_TOLERANCE = 0.01           # reported cost within 1 % of the formula (text tokens are the only estimate)


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
            return f"not sent: {self.refused}"
        if self.job is None:
            return "not run"
        if self.job.status == "completed":
            return "completed without images"
        return f"{self.job.status}: {self.job.error_code or ''} {self.job.error_message or ''}".strip()


@dataclass
class CheckResult:
    name: str
    status: str                 # "pass" | "fail" | "n/a"
    expected: str = ""
    got: str = ""
    why: str = ""               # why n/a, or the tolerance / source the expectation comes from
    job_ids: list[str] = field(default_factory=list)


def _jobs(*results: ProbeResult) -> list[str]:
    return [r.job.id for r in results if r is not None and r.job is not None]


def _na(name: str, why: str) -> CheckResult:
    return CheckResult(name, "n/a", why=why)


def _unfinished(name: str, expected: str, results: list[ProbeResult]) -> CheckResult | None:
    bad = [r for r in results if not r.completed]
    if not bad:
        return None
    got = "; ".join(f"{r.probe.key}: {r.failure()}" for r in bad)
    return CheckResult(name, "fail", expected, got, "a probe did not return images", _jobs(*results))


def _of(results: dict[str, ProbeResult], prefix: str) -> list[ProbeResult]:
    return [r for key, r in results.items() if key == prefix or key.startswith(prefix + ":")]


def check_sizes(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "size")
    expected = f"{len(probes)} sizes at exactly their pixels: " + ", ".join(
        f"{r.probe.key[5:]}→{sizes.format_pixels(r.probe.expect['pixels'])}"
        if r.probe.key[5:] != sizes.format_pixels(r.probe.expect["pixels"]) else r.probe.key[5:] for r in probes)
    if (bad := _unfinished("sizes", expected, probes)) is not None:
        return bad
    wrong = []
    for r in probes:
        want = tuple(r.probe.expect["pixels"])
        for row, _ in r.images:
            if (row.width, row.height) != want:
                wrong.append(f"{sizes.format_pixels(want)} → {row.width}x{row.height}")
    got = f"all {len(probes)} exact" if not wrong else f"{len(wrong)} of {len(probes)} wrong: " + "; ".join(wrong)
    return CheckResult("sizes", "fail" if wrong else "pass", expected, got, "pixels decoded from the returned bytes",
                       _jobs(*probes))


def check_n(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    r = results["n"]
    want = r.probe.expect["n"]
    expected = f"{want} images for n={want}"
    if not (r.job and r.job.status == "completed"):
        return CheckResult("n", "fail", expected, r.failure(), "", _jobs(r))
    got = f"{len(r.images)} images"
    return CheckResult("n", "pass" if len(r.images) == want else "fail", expected, got, "", _jobs(r))


def check_output_format(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "format")
    if not probes:
        return _na("output_format", f"{doc_facts.doc_name(profile)} has no output_format parameter")
    expected = ", ".join(f"{r.probe.expect['format']} bytes" for r in probes)
    if (bad := _unfinished("output_format", expected, probes)) is not None:
        return bad
    found, wrong = [], False
    for r in probes:
        kinds = sorted({measure.magic_format(data) for _, data in r.images})
        wrong |= kinds != [r.probe.expect["format"]]
        found.append(f"{'/'.join(kinds)} bytes for {r.probe.expect['format']}")
    return CheckResult("output_format", "fail" if wrong else "pass", expected, ", ".join(found),
                       "judged by the bytes' magic number, not the Content-Type or file name", _jobs(*probes))


def check_output_compression(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    probes = _of(results, "compression")
    if not probes:
        return _na("output_compression", f"{doc_facts.doc_name(profile)} has no output_compression parameter")
    low, high = COMPRESSIONS
    expected = (f"JPEG file size changes by ≥ {COMPRESSION_MIN_CHANGE:.0%} between output_compression {low} "
                f"and {high}")
    if (bad := _unfinished("output_compression", expected, probes)) is not None:
        return bad
    by_level = {r.probe.expect["compression"]: r.images[0][1] for r in probes}
    a, b = len(by_level[low]), len(by_level[high])
    change = abs(a - b) / max(a, b, 1)
    formats = {measure.magic_format(d) for d in by_level.values()}
    got = f"{low} → {a:,} B, {high} → {b:,} B ({change:.0%} apart; {'/'.join(sorted(formats))} bytes)"
    ok = change >= COMPRESSION_MIN_CHANGE
    return CheckResult("output_compression", "pass" if ok else "fail", expected, got, "", _jobs(*probes))


def check_background(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    if profile.id in doc_facts.NO_TRANSPARENCY:
        return _na("background", doc_facts.NO_TRANSPARENCY[profile.id])
    r = results.get("transparent")
    if r is None:
        return _na("background", f"{doc_facts.doc_name(profile)} has no background parameter")
    expected = "an alpha channel with fully transparent pixels"
    if (bad := _unfinished("background", expected, [r])) is not None:
        return bad
    data = r.images[0][1]
    share = measure.alpha_share(data)
    if share is None:
        got, ok = f"no alpha channel ({measure.magic_format(data)} bytes)", False
    else:
        got, ok = f"alpha channel, {share:.0%} of pixels fully transparent", share > 0
    return CheckResult("background", "pass" if ok else "fail", expected, got, "background=transparent", _jobs(r))


def check_mask(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    r = results.get("mask")
    if r is None:
        return _na("mask", profile.mask_note or f"{doc_facts.doc_name(profile)} documents no mask")
    expected = f"outside the mask: mean |Δ| ≤ {MASK_TOLERANCE:g} of 255 per channel"
    if (bad := _unfinished("mask", expected, [r])) is not None:
        return bad
    diff = measure.outside_mask_difference(source_png(), mask_png(), r.images[0][1])
    got = f"mean |Δ| {diff:.2f} outside the mask"
    return CheckResult("mask", "pass" if diff <= MASK_TOLERANCE else "fail", expected, got,
                       "measured on the returned image against the source; without a mask the whole image may change",
                       _jobs(r))


def check_errors(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    fact = doc_facts.invalid_size_fact(profile)
    r = results["invalid_size"]
    expected = f"size={fact.size} → HTTP {fact.status}" + (f" {fact.code}" if fact.code else "")
    if r.refused:
        return CheckResult("errors", "fail", expected, r.failure(), fact.source, _jobs(r))
    job = r.job
    if job is None or job.status == "completed":
        shapes = ", ".join(f"{row.width}x{row.height}" for row, _ in r.images)
        got = "not finished" if job is None else f"HTTP 200 with {len(r.images)} image(s) {shapes}".strip()
        return CheckResult("errors", "fail", expected, got, fact.source, _jobs(r))
    code = job.error_code
    got = f"HTTP {r.status_code}" + (f" {code}" if code else "") if r.status_code else f"{job.status}: {code}"
    ok = r.status_code == fact.status and (fact.code is None or code == fact.code)
    return CheckResult("errors", "pass" if ok else "fail", expected, got, fact.source, _jobs(r))


def check_cost(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    if profile.id in doc_facts.NO_REPORTED_COST:
        return _na("cost", doc_facts.NO_REPORTED_COST[profile.id])
    if profile.pricing == "task_reported":
        return _na("cost", f"{pricing.GCCAI_NO_PRICE}: there is no formula to hold it against")
    if profile.pricing == "none":
        return _na("cost", f"{doc_facts.doc_name(profile)} gives no price")
    r = results["n"]
    if not (r.job and r.job.status == "completed" and r.images):
        return CheckResult("cost", "fail", "the doc's price for the n probe", r.failure(), "", _jobs(r))
    # The formula applied to what actually came back: its count and its pixels.
    w, h = r.images[0][0].width, r.images[0][0].height
    req = r.probe.request
    formula_req = replace(req, n=len(r.images), size=f"{w}x{h}" if profile.size_mode != "ratio" else req.size)
    formula = pricing.estimate(profile, formula_req)
    reported = r.job.cost_actual
    expected = f"{formula.label()} ({formula.basis})"
    if reported is None or formula.amount is None:
        return CheckResult("cost", "fail", expected, "no cost recorded", "", _jobs(r))
    got_money = Money(reported, r.job.currency or formula.currency)
    a, b = Decimal(str(reported)), Decimal(str(formula.amount))
    ok = abs(a - b) <= abs(b) * Decimal(str(COST_TOLERANCE))
    return CheckResult("cost", "pass" if ok else "fail", expected, got_money.label(),
                       f"reported within {COST_TOLERANCE:.0%} of the formula; pricing.py encodes "
                       f"{doc_facts.doc_name(profile)}", _jobs(r))


def check_revised_prompt(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    promise = doc_facts.REVISED_PROMPT.get(profile.id)
    if promise is None:
        return _na("revised_prompt", doc_facts.NO_REVISED_PROMPT.get(
            profile.id, f"{doc_facts.doc_name(profile)} does not promise revised_prompt"))
    kind, source = promise
    r = results["n"]
    expected = ("revised_prompt equal to the prompt on every image" if kind == "same"
                else "a non-empty revised_prompt on every image")
    if (bad := _unfinished("revised_prompt", expected, [r])) is not None:
        return bad
    texts = [row.revised_prompt for row, _ in r.images]
    good = [t for t in texts if t and (kind != "same" or t == r.probe.request.prompt)]
    got = f"{len(good)} of {len(texts)} images" + (f"; e.g. {texts[0]!r}" if texts and texts[0] else "; none present")
    return CheckResult("revised_prompt", "pass" if len(good) == len(texts) else "fail", expected, got, source,
                       _jobs(r))


def check_latency(profile: Profile, results: dict[str, ProbeResult]) -> CheckResult:
    table = doc_facts.LATENCY_TABLE.get(profile.id)
    if table is None:
        return _na("latency", f"{doc_facts.doc_name(profile)} has no latency table")
    expected_parts, got_parts, ok, used = [], [], True, []
    for quality, (lo, hi) in table.items():
        runs = [r for r in results.values() if r.completed and r.probe.check and r.job.quality == quality
                and r.job.latency_s is not None]
        used += runs
        expected_parts.append(f"{quality} p50 ≤ {hi:g} s (doc: {lo:g}–{hi:g} s)")
        if not runs:
            got_parts.append(f"{quality}: no sample")
            ok = False
            continue
        p50 = statistics.median(r.job.latency_s for r in runs)
        got_parts.append(f"{quality} p50 {p50:.1f} s of {len(runs)}")
        ok &= p50 <= hi
    return CheckResult("latency", "pass" if ok else "fail", "; ".join(expected_parts), "; ".join(got_parts),
                       "qcode.txt “Latency & timeout settings”, typical column; submit to image on disk", _jobs(*used))


JUDGES = {
    "sizes": check_sizes, "n": check_n, "output_format": check_output_format,
    "output_compression": check_output_compression, "background": check_background, "mask": check_mask,
    "errors": check_errors, "cost": check_cost, "revised_prompt": check_revised_prompt, "latency": check_latency,
}


def judge(profile: Profile, checks: list[str], results: dict[str, ProbeResult]) -> list[CheckResult]:
    return [JUDGES[name](profile, results) for name in checks]
