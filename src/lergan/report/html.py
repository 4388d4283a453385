"""``index.html`` of a reproduction: one static page (inline CSS, figures as relative PNG
links) with the summary, the figures, the full table, the anchors, the modelling
assumptions and a section "How this reconstruction may differ from the paper".

Tables come from :mod:`lergan.report.tables`, so the page shows the very figures that
``lergan compare`` prints and ``table.csv`` holds.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lergan.baselines.anchors import pipelayer_causes, published
from lergan.baselines.fpga import load_fpga
from lergan.baselines.gpu import load_gpu
from lergan.hardware import load_preset
from lergan.report.figures import gains
from lergan.report.reproduce import ABLATIONS, BASELINES, LADDER
from lergan.report.tables import fmt, html_simple, html_table, precision_text
from lergan.system.options import resolve_architecture

if TYPE_CHECKING:
    from lergan.baselines.records import Record

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em}th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #ddd;margin:.4em 0}
.note{color:#555;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
"""

#: What the paper states and we could not reproduce the way it did (each item is a cause
#: of distance between this page and the paper's figures).
DIFFERENCES: tuple[str, ...] = (
    "LerGAN's full text is not available to us: the organisation, link figures, weight-"
    "gradient mapping and many peripheral numbers are labelled choices of the `lergan` "
    "preset (see its deviations and assumptions below), not the paper's parameters.",
    "PRIME_PRECISION",
    "The paper names neither its GPU nor its FPGA platform in the text available to us: `gpu` "
    "is a modelled Titan X (Pascal) running FP32 with DeepBench-derived efficiency, and "
    "`fpga` a modelled zero-free DSP array on a VCU118 at 16-bit fixed point; the paper "
    "likely measured a real GPU and took an FPGA design's published figures.",
    "The GPU and FPGA are models, not measurements: `lergan compare --measure` times the real "
    "PyTorch iteration on the machine at hand to check the GPU model's order of magnitude.",
    "The workloads follow each GAN's official code (layer sizes, D/G step schedules); the "
    "paper's exact layer lists, batch size and image sizes may differ.",
    "Energy of the GPU is board power times busy time (an upper bound); the paper's GPU "
    "energy method is not stated in the text available to us.",
)


def prime_note(recs: Sequence[Record]) -> str:
    """What the page must say about ``prime``'s precision against ``lergan``'s (empty when
    either is absent)."""
    p = next((r for r in recs if r.architecture == "prime"), None)
    lg = next((r for r in recs if r.architecture == "lergan"), None)
    if p is None or lg is None:
        return ""
    pp, lp = p.precision, lg.precision
    same = all(pp.get(k) == lp.get(k) for k in ("weight_bits", "input_bits", "adc_bits"))
    ratio = (lg.area_mm2 / p.area_mm2) if p.area_mm2 and lg.area_mm2 else None
    if same:
        return ("`prime` runs at lergan's precision (weights, inputs and ADCs alike): the "
                "PRIME comparison is like for like in precision"
                + (f"; lergan's area is {ratio:.2g}x prime's." if ratio else "."))
    return ("The paper's PRIME baseline trains; `prime` here computes at "
            f"{precision_text(pp)} weight/input/ADC bits against lergan's "
            f"{precision_text(lp)}" + (f" on {1 / ratio:.2g}x lergan's area" if ratio else "")
            + ", so it does less crossbar work per MAC: read the precision before the "
            "speed-up (a like-for-like PRIME training preset is the model work's).")


def _e(x: Any) -> str:
    return html.escape(str(x))


def _geomean(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x and x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def gain_table(records: Sequence[Record], subject: str, others: Sequence[str]) -> tuple[
        list[str], list[list[Any]], dict[str, tuple[float | None, float | None]]]:
    """Header, rows (per benchmark: subject's speed-up and energy saving over each other
    architecture) and the geometric means per other architecture."""
    others = [o for o in others if any(r.architecture == o for r in records)]
    benches = sorted({r.benchmark for r in records})
    sp = {o: gains(records, subject, o, "time") for o in others}
    en = {o: gains(records, subject, o, "energy") for o in others}
    header = ["benchmark"] + [f"{w} over {o}" for o in others for w in ("speed-up", "saving")]
    rows = [[b, *[v for o in others for v in (sp[o].get(b), en[o].get(b))]] for b in benches]
    means = {o: (_geomean(list(sp[o].values())), _geomean(list(en[o].values())))
             for o in others}
    rows.append(["geometric mean", *[v for o in others for v in means[o]]])
    return header, rows, means


def render_index(rep: Any, rows: Sequence[dict[str, Any]], sens: dict[str, Any] | None) -> str:
    """The page's HTML."""
    meta, recs, figs = rep.meta, rep.records, rep.figures
    parts: list[str] = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                        f"<title>lergan reproduction</title><style>{CSS}</style></head><body>"]
    parts.append("<h1>LerGAN (MICRO 2018), reconstructed: one-command reproduction</h1>")
    parts.append(
        f"<p class=\"note\">lergan {_e(meta.get('lergan_version'))}, commit "
        f"<code>{_e(meta.get('git_commit') or 'unknown')}</code>, Python "
        f"{_e(meta.get('python'))}, torch {_e(meta.get('torch'))}; {_e(meta.get('created_utc'))};"
        f" batch {_e(meta.get('batch'))}; {len(recs)} records in {_e(meta.get('elapsed_s'))} s. "
        f"Command: <code>{_e(meta.get('command') or 'lergan reproduce')}</code>. Data: "
        "<a href=\"results.json\">results.json</a>, <a href=\"results.csv\">results.csv</a> "
        "(SI units), <a href=\"table.csv\">table.csv</a> (the table below).</p>")

    # precision of every architecture
    prec = {r.architecture: (r.precision, r.title + (f" ({r.notes[0]})" if r.platform == "reram"
                                                    and r.notes else "")) for r in recs}
    parts.append("<h2>Architectures and their precision</h2>")
    parts.append(html_simple(
        ["architecture", "what", "weight / input / ADC bits", "arithmetic"],
        [[a, t, precision_text(p), p.get("arithmetic", "")] for a, (p, t) in prec.items()]))

    # LerGAN against the baselines
    pub = published()
    parts.append("<h2>How much faster and more frugal LerGAN is than each baseline</h2>")
    hdr, trows, means = gain_table(recs, "lergan", [*BASELINES, "lrgan"])
    if len(hdr) > 1:
        parts.append("<p>Per benchmark, <code>lergan</code>'s speed-up (baseline time / lergan "
                     "time) and energy saving (baseline energy / lergan energy); above 1 "
                     "LerGAN is better. Precision differs between columns: see the table "
                     "above.</p>")
        parts.append(html_simple(hdr, trows))
        paper = {"gpu": (pub["lergan.speedup_gpu"], pub["lergan.energy_saving_gpu"]),
                 "fpga": (pub["lergan.speedup_fpga"], pub["lergan.energy_saving_fpga"]),
                 "prime": (pub["lergan.speedup_prime"], pub["lergan.energy_saving_prime"])}
        parts.append("<p>Against the paper's abstract (geometric means here, the paper's "
                     "averages there):</p>")
        parts.append(html_simple(
            ["baseline", "speed-up here", "speed-up in the paper", "saving here",
             "saving in the paper"],
            [[o, m[0], paper.get(o, (None, None))[0], m[1], paper.get(o, (None, None))[1]]
             for o, m in means.items()]))
    for key, cap in (("speedup", "speed-up over each baseline"),
                     ("energy_saving", "energy saving over each baseline")):
        if key in figs:
            parts.append(f"<figure><img src=\"{_e(figs[key])}\" alt=\"{_e(cap)}\">"
                         f"<figcaption>{_e(cap)}</figcaption></figure>")

    # ideas
    parts.append("<h2>Which of LerGAN's two ideas buys how much</h2>")
    hdr, trows, _ = gain_table(recs, "lergan", ABLATIONS)
    if len(hdr) > 1:
        parts.append("<p>lergan over <code>lergan-no-zfdr</code> is what ZFDR buys; over "
                     "<code>lergan-2d-bus</code> and <code>lergan-2d-offchip</code> what the "
                     "3D connection buys (same crossbars, same precision).</p>")
        parts.append(html_simple(hdr, trows))
    ladder = [(label, name) for label, name in LADDER
              if any(r.architecture == name for r in recs)]
    if len(ladder) == len(LADDER):
        lrows = []
        for b in sorted({r.benchmark for r in recs}):
            by = {r.architecture: r for r in recs if r.benchmark == b}
            base = by[LADDER[0][1]]
            lrows.append([b, *[base.time_s / by[n].time_s for _, n in LADDER[1:]],
                          *[base.energy_j / by[n].energy_j for _, n in LADDER[1:]]])
        parts.append(html_simple(
            ["benchmark", *[f"speed-up {lab}" for lab, _ in LADDER[1:]],
             *[f"saving {lab}" for lab, _ in LADDER[1:]]], lrows))
    else:
        parts.append("<p class=\"note\">The ladder (neither idea, ZFDR only, 3D only, both) "
                     "needs the presets " + ", ".join(f"<code>{_e(n)}</code>" for _, n in LADDER)
                     + "; missing in this run: " + (", ".join(
                         f"<code>{_e(n)}</code>" for _, n in LADDER
                         if not any(r.architecture == n for r in recs)) or "none") + ".</p>")
    for key, cap in (("ablation_speedup", "speed-up over each ablation"),
                     ("ablation_energy", "energy saving over each ablation")):
        if key in figs:
            parts.append(f"<figure><img src=\"{_e(figs[key])}\" alt=\"{_e(cap)}\">"
                         f"<figcaption>{_e(cap)}</figcaption></figure>")

    # breakdowns, timelines, scale
    parts.append(f"<h2>Where time, energy and area go ({_e(meta.get('focus'))})</h2>")
    for key in ("breakdown_time", "breakdown_energy", "breakdown_energy_component",
                "breakdown_area"):
        if key in figs:
            parts.append(f"<img src=\"{_e(figs[key])}\" alt=\"{_e(key)}\">")
    tl = [(k.split(":", 1)[1], v) for k, v in figs.items() if k.startswith("timeline:")]
    if tl:
        parts.append(f"<h2>One iteration's timeline per architecture ({_e(meta.get('focus'))})"
                     "</h2>")
        for arch, path in tl:
            parts.append(f"<h3>{_e(arch)}</h3><img src=\"{_e(path)}\" alt=\"timeline of "
                         f"{_e(arch)}\">")
    if "scale" in figs:
        sc = meta.get("scale") or {}
        parts.append(f"<h2>Scale</h2><p>{_e(sc.get('title', ''))}.</p><img src=\""
                     f"{_e(figs['scale'])}\" alt=\"scale figure\">")

    parts.append("<h2>All results</h2>")
    parts.append(f"<p>Speed-up and energy saving against <code>"
                 f"{_e(rows[0]['reference'] if rows else '-')}</code> (reference time / row "
                 "time); time in ms, energy in mJ, power in W, area in mm2 (none for an "
                 "FPGA board).</p>")
    parts.append(html_table(rows))

    # anchors: how sure the model is
    parts.append("<h2>How sure the model is: checks against published figures</h2>")
    an = rep.anchors
    if "pipelayer" in an:
        p = an["pipelayer"]
        parts.append(
            f"<h3>PipeLayer (HPCA 2017) re-run on the <code>pipelayer</code> preset</h3><p>"
            f"Classifier training, batch {p['rows'][0]['batch']}, against the GPU model of a "
            f"{_e(p['gpu'])}: speed-up {fmt(p['speedup'])}x against the published "
            f"{fmt(p['published_speedup'])}x (ours / published = "
            f"{fmt(p['speedup_distance'])}), energy saving {fmt(p['energy_saving'])}x against "
            f"{fmt(p['published_energy_saving'])}x (ratio {fmt(p['energy_saving_distance'])}). "
            "No constant was tuned to close the gap. Where each side's time goes:</p>")
        parts.append(html_simple(
            ["network", "ReRAM ms", "GPU ms", "speed-up", "saving", "ReRAM time goes to",
             "ReRAM energy goes to", "GPU time is", "crossbars needed / placed",
             "time-multiplexed"],
            [[r["network"], r["reram_time_s"] * 1e3, r["gpu_time_s"] * 1e3, r["speedup"],
              r["energy_saving"], r["reram_time_top"], r["reram_energy_top"],
              r["gpu_time_top"], f"{r['crossbars_needed']:,} / {r['crossbars_placed']:,}",
              "yes" if r["time_multiplexed"] else "no"] for r in p["rows"]]))

        parts.append("<p>What causes the distance:</p><ul>" + "".join(
            f"<li>{_e(c)}</li>" for c in pipelayer_causes(p)) + "</ul>")
    if "flexigan" in an:
        f = an["flexigan"]
        parts.append(
            f"<h3>FlexiGAN (FCCM 2018): the FPGA model's performance per watt</h3><p>"
            f"Generators' forward pass on <code>{_e(f['board'])}</code> against the GPU model "
            f"of a {_e(f['gpu'])}: {fmt(f['perf_per_watt'])}x on average (up to "
            f"{fmt(f['max_perf_per_watt'])}x) against the published "
            f"{fmt(f['published_perf_per_watt'])}x (up to {fmt(f['published_max_perf_per_watt'])}"
            f"x): ours / published = {fmt(f['distance'])}.</p>")
        parts.append(html_simple(
            ["benchmark", "FPGA ms", "GPU ms", "FPGA speed-up", "perf per watt"],
            [[r["benchmark"], r["fpga_time_s"] * 1e3, r["gpu_time_s"] * 1e3, r["speedup"],
              r["perf_per_watt"]] for r in f["rows"]]))
    parts.append("<h3>Sensitivity</h3>")
    if sens is None:
        parts.append("<p>Sensitivity sweep: <b>absent</b> (run <code>lergan sensitivity</code>"
                     " and pass its JSON with <code>--sensitivity FILE</code>).</p>")
    else:
        text = json.dumps(sens["data"], indent=1, default=str)
        more = " (first 6,000 characters)" if len(text) > 6000 else ""
        parts.append(f"<p>From <code>{_e(sens['path'])}</code>{more}:</p>"
                     f"<pre>{_e(text[:6000])}</pre>")

    # assumptions
    parts.append("<h2>Modelling assumptions</h2>")
    parts.append(_assumptions(recs))
    parts.append("<h2>How this reconstruction may differ from the paper</h2><ul>")
    parts.extend(f"<li>{_e(prime_note(recs) if d == 'PRIME_PRECISION' else d)}</li>"
                 for d in DIFFERENCES if d != "PRIME_PRECISION" or prime_note(recs))
    parts.append("</ul>")
    if rep.missing:
        parts.append("<h2>Architectures not run</h2><ul>")
        parts.extend(f"<li><code>{_e(k)}</code>: {_e(v)}</li>" for k, v in rep.missing.items())
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _assumptions(recs: Sequence[Record]) -> str:
    """Per architecture: its deviations and how many of its numbers are assumptions, with
    the baselines' assumptions spelled out."""
    out, seen = [], set()
    for r in recs:
        if r.preset in seen:
            continue
        seen.add(r.preset)
        if r.platform == "reram":
            try:
                preset, over = resolve_architecture(r.preset)
                arch = load_preset(preset, overrides=over or None)
            except Exception:  # a preset the page cannot reload: say so
                out.append(f"<p><code>{_e(r.preset)}</code>: provenance not available</p>")
                continue
            table = arch.provenance_table()
            n = sum(1 for p in table.values() if p.assumption)
            out.append(f"<h3>{_e(r.preset)} ({_e(arch.title)})</h3><p>{n} of {len(table)} "
                       "numbers are labelled assumptions (<code>lergan hardware show "
                       f"{_e(r.preset)}</code> lists each with its reason).</p><ul>")
            out.extend(f"<li>{_e(d)}</li>" for d in arch.deviations)
            out.append("</ul>")
        else:
            spec = load_gpu(r.preset) if r.platform == "gpu" else load_fpga(r.preset)
            items = [(k, v) for k, v in spec.leaves.items() if v.assumption]
            out.append(f"<h3>{_e(r.platform)}: {_e(r.preset)}</h3><p>{len(items)} of "
                       f"{len(spec.leaves)} numbers are assumptions:</p><ul>")
            out.extend(f"<li><code>{_e(k)}</code> = {_e(v.written)}: {_e(v.reason)}</li>"
                       for k, v in items)
            out.append("</ul>")
    return "\n".join(out)
