"""`llmrec-course run`: execute the course's notebooks in order and write a report as it goes.

    llmrec-course run                          # every notebook, profile auto, bundled data
    llmrec-course run --only 01,03 --profile smoke --out runs/try

For each notebook: the executed copy (``<out>/NN_topic.ipynb``), its recorded metrics
(``<out>/metrics/NN_topic.json``) and the plots it drew (``<out>/figures/``). ``report.md`` and
a self-contained ``report.html`` (plots inlined) are rewritten after every notebook, so the
report can be opened while the run goes on. A failure stops the run with a non-zero exit,
naming the notebook and the cell; the notebooks after it are reported as not run.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import atomic
from .notebooks import NotebookError, Source, execute, sources

__all__ = ["Entry", "run_course", "write_report"]

STATUS_TEXT = {
    "pending": "not run yet",
    "running": "running…",
    "ok": "ok",
    "failed": "FAILED",
    "skipped": "not run (an earlier notebook failed)",
}


@dataclass
class Entry:
    """One notebook's line in the report."""

    source: Source
    status: str = "pending"
    seconds: float | None = None
    metrics: dict = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    error: str | None = None

    @property
    def title(self) -> str:
        """The notebook's own title (its first Markdown heading), else its name."""
        for line in self.source.path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# # "):
                return line[4:].strip()
        return self.source.name


def _figures(nb, folder: Path, name: str) -> list[Path]:
    """Save every PNG the notebook displayed → their paths (in output order)."""
    paths = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            path = folder / f"{name}-cell{index:02d}-{len(paths):02d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(data["image/png"]))
            paths.append(path)
    return paths


def _fmt(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)[:80]
    return str(value)


def _flat(metrics: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def write_report(entries: list[Entry], out: Path, settings: dict, started: float) -> None:
    """Write report.md and report.html for the run so far (atomically, so a reader never sees
    half a file)."""
    out.mkdir(parents=True, exist_ok=True)
    done = sum(e.status in ("ok", "failed") for e in entries)
    elapsed = time.perf_counter() - started
    title = "llmrec-course run"
    subtitle = (
        f"profile {settings['profile']}, data {settings['data']}, seed {settings['seed']} — "
        f"{done} of {len(entries)} notebooks run, {elapsed / 60:.1f} min so far"
    )
    md = [
        f"# {title}",
        "",
        subtitle,
        "",
        "| notebook | status | time | metrics |",
        "|---|---|---|---|",
    ]
    for e in entries:
        secs = "" if e.seconds is None else f"{e.seconds:.0f} s"
        count = f"{len(_flat(e.metrics))} recorded" if e.metrics else ""
        md.append(f"| {e.source.name} | {STATUS_TEXT[e.status]} | {secs} | {count} |")
    for e in entries:
        if e.status not in ("ok", "failed"):
            continue
        md += ["", f"## {e.source.name}", ""]
        if e.error:
            md += ["```", e.error, "```", ""]
        flat = _flat(e.metrics)
        if flat:
            md += ["| metric | value |", "|---|---|"]
            md += [f"| {k} | {_fmt(v)} |" for k, v in flat.items()]
        for fig in e.figures:
            md += ["", f"![{fig.stem}]({fig.relative_to(out).as_posix()})"]
    atomic.write_text(out / "report.md", "\n".join(md) + "\n")
    atomic.write_text(out / "report.html", _html(entries, out, title, subtitle))


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1f2328;line-height:1.45}
h1{margin-bottom:.2em} .sub{color:#59636e;margin-top:0}
table{border-collapse:collapse;margin:.8em 0} th,td{border:1px solid #d1d9e0;padding:.3em .7em;
text-align:left;vertical-align:top} th{background:#f6f8fa} td.num{text-align:right;
font-variant-numeric:tabular-nums}
.ok{color:#1a7f37;font-weight:600} .failed{color:#d1242f;font-weight:700}
.pending,.skipped{color:#59636e} .running{color:#9a6700;font-weight:600}
pre{background:#fff1f0;border:1px solid #ffcecb;padding:.8em;white-space:pre-wrap}
summary{cursor:pointer;margin:8px 0;color:#444} .figs{display:flex;flex-wrap:wrap;gap:12px} .figs img{max-width:520px;width:100%;
border:1px solid #d1d9e0;border-radius:4px} section{margin-top:2em}
"""


OPEN_METRICS = 12  # a notebook's metrics table is shown unfolded up to this many rows


def _html(entries: list[Entry], out: Path, title: str, subtitle: str) -> str:
    esc = html.escape
    rows = []
    for e in entries:
        secs = "" if e.seconds is None else f"{e.seconds:.0f} s"
        link = f'<a href="#{esc(e.source.name)}">{esc(e.source.name)}</a>'
        if e.status not in ("ok", "failed"):
            link = esc(e.source.name)
        rows.append(
            f"<tr><td>{link}<br><small>{esc(e.title)}</small></td><td class='{e.status}'>{esc(STATUS_TEXT[e.status])}</td>"
            f"<td class='num'>{secs}</td><td class='num'>{len(_flat(e.metrics)) or ''}</td></tr>"
        )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1><p class='sub'>{esc(subtitle)}</p>",
        "<table><tr><th>notebook</th><th>status</th><th>time</th><th>metrics</th></tr>",
        *rows,
        "</table>",
    ]
    for e in entries:
        if e.status not in ("ok", "failed"):
            continue
        parts.append(
            f"<section id='{esc(e.source.name)}'><h2>{esc(e.title)}</h2>"
            f"<p class='sub'>{esc(e.source.name)} · {esc(STATUS_TEXT[e.status])} in "
            f"{e.seconds or 0:.0f} s · executed copy: <a href='{esc(e.source.name)}.ipynb'>"
            f"{esc(e.source.name)}.ipynb</a></p>"
        )
        if e.error:
            parts.append(f"<pre>{esc(e.error)}</pre>")
        if e.figures:  # the plots first: what a reader looks at
            parts.append("<div class='figs'>")
            for fig in e.figures:
                data = base64.b64encode(fig.read_bytes()).decode()
                parts.append(f"<img alt='{esc(fig.stem)}' src='data:image/png;base64,{data}'>")
            parts.append("</div>")
        flat = _flat(e.metrics)
        if flat:  # a long list of recorded numbers stays folded until asked for
            opened = " open" if len(flat) <= OPEN_METRICS else ""
            parts.append(f"<details{opened}><summary>{len(flat)} recorded metrics</summary>")
            parts.append("<table><tr><th>metric</th><th>value</th></tr>")
            parts += [
                f"<tr><td>{esc(k)}</td><td class='num'>{esc(_fmt(v))}</td></tr>"
                for k, v in flat.items()
            ]
            parts.append("</table></details>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def run_course(
    only: list[str] | None = None,
    profile: str = "auto",
    data: str = "bundled",
    out: str | os.PathLike = "runs/latest",
    seed: int = 0,
    notebooks: str | os.PathLike | None = None,
    stream=None,
) -> int:
    """Execute the chosen notebooks in order (see the module docstring) → exit status (0: all
    ran). Progress goes to `stream` (default: standard output)."""
    stream = stream or sys.stdout
    from .course import DATA_CHOICES, resolve_profile

    profile = resolve_profile(profile)
    if data not in DATA_CHOICES:
        raise ValueError(f"--data {data!r}; use one of {', '.join(DATA_CHOICES)}")
    chosen = sources(notebooks, only)
    if not chosen:
        raise ValueError("no notebooks to run")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries = [Entry(s) for s in chosen]
    settings = {
        "profile": profile,
        "data": data,
        "seed": seed,
        "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    started = time.perf_counter()
    write_report(entries, out, settings, started)
    status = 0
    for n, entry in enumerate(entries, 1):
        if status:
            entry.status = "skipped"
            continue
        left = ", ".join(e.source.number for e in entries[n:]) or "none"
        print(
            f"[{n}/{len(entries)}] {entry.source.name} (profile {profile}) — "
            f"{(time.perf_counter() - started) / 60:.1f} min so far, then: {left}",
            file=stream,
            flush=True,
        )
        entry.status = "running"
        write_report(entries, out, settings, started)
        metrics_path = out / "metrics" / f"{entry.source.name}.json"
        metrics_path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        params = {
            "PROFILE": profile,
            "DATA": data,
            "SEED": seed,
            "METRICS_PATH": str(metrics_path.resolve()),
        }
        executed = out / f"{entry.source.name}.ipynb"
        try:
            nb = execute(entry.source, params, output_path=executed)
        except NotebookError as err:
            entry.status, entry.error, status = "failed", str(err), 1
            print(f"    FAILED: {err}", file=stream, flush=True)
        else:
            entry.status = "ok"
            entry.figures = _figures(nb, out / "figures", entry.source.name)
            print(f"    ok in {time.perf_counter() - t0:.0f} s", file=stream, flush=True)
        entry.seconds = time.perf_counter() - t0
        if metrics_path.is_file():
            entry.metrics = json.loads(metrics_path.read_text()).get("metrics", {})
        write_report(entries, out, settings, started)
    write_report(entries, out, settings, started)
    print(f"report: {(out / 'report.html').resolve()}", file=stream, flush=True)
    return status
