"""The `llmrec-course` command: run | grade | demo | doctor | notebooks build|check | data list|stats."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from . import atomic

__all__ = ["main"]


def _cmd_demo(args) -> int:
    from .demo import DEMO_ITEMS, DEMO_USERS, recommend_demo
    from .encoders import load_encoder

    start = time.perf_counter()
    encoder = load_encoder(args.model, device=args.device)
    print(f"Encoder: {encoder.name} ({encoder.kind}, d={encoder.dim}) on {encoder.device}")
    print(
        f"Catalogue: {len(DEMO_ITEMS)} items from e-commerce, news and music; {len(DEMO_USERS)} users\n"
    )
    recs = recommend_demo(encoder, k=args.k)
    phrases = {u[0]: u[1] for u in DEMO_USERS}
    for user_id in dict.fromkeys(r.user_id for r in recs):
        print(f"{user_id} — {phrases[user_id]}")
        for r in (r for r in recs if r.user_id == user_id):
            print(f"  {r.rank}. [{r.domain:9s}] {r.title:<52s} {r.score:+.3f}  ← {r.reason}")
        print()
    print(f"Done in {time.perf_counter() - start:.1f} s. Next: jupyter lab notebooks/")
    return 0


def _cmd_doctor(args) -> int:
    import torch
    import transformers

    from .cache import cache_root, folder_size
    from .device import get_device
    from .encoders import hub_reachable, model_status

    ok = True
    print(f"python        {platform.python_version()} ({sys.executable})")
    print(f"torch         {torch.__version__}")
    print(f"transformers  {transformers.__version__}")
    device = get_device()
    line = str(device)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        line += f" — {props.name}, {props.total_memory / 2**30:.1f} GiB"
    print(f"device        {line}")
    print("models (offline):")
    models = model_status()
    for name, where in models.items():
        print(f"  {name:<14s}{where}")
    if models.get("minilm", "not installed").startswith(("not installed", "error")):
        ok = False
    root = cache_root()
    size = folder_size(root) / 2**20 if root.exists() else 0.0
    print(f"cache         {root} ({size:.1f} MiB)")
    data_dir = os.environ.get("LLMREC_DATA_DIR")
    print(f"data dir      {data_dir or '(LLMREC_DATA_DIR not set: bundled data only)'}")
    print(
        f"hub           {'reachable' if hub_reachable(args.timeout) else 'not reachable (offline mode)'}"
    )
    print(
        "status        "
        + (
            "ready: the course can run"
            if ok
            else "NOT ready: the default encoder is missing (run make install)"
        )
    )
    return 0 if ok else 1


def _cmd_run(args) -> int:
    from .report import run_course

    only = args.only.split(",") if args.only else None
    return run_course(
        only=only,
        profile=args.profile,
        data=args.data,
        out=args.out,
        seed=args.seed,
        notebooks=args.notebooks,
    )


def _cmd_notebooks(args) -> int:
    from . import notebooks as nbs

    chosen = nbs.sources(args.notebooks, args.only.split(",") if args.only else None)
    if args.notebooks_cmd == "check":
        problems = {
            k: v for k, v in nbs.stale(args.notebooks).items() if k in {s.name for s in chosen}
        }
        for name, why in problems.items():
            print(f"{name}: stale — {why}")
        print("all notebooks are fresh" if not problems else "run `make notebooks`")
        return 1 if problems else 0
    for n, source in enumerate(chosen, 1):
        if nbs.sync_colab_cells(source):
            print(f"{source.name}: badge and install cell regenerated")
        print(f"[{n}/{len(chosen)}] building {source.name} (cpu profile) …", flush=True)
        stamp = nbs.build(source)
        print(f"    {source.notebook.name} written in {stamp['seconds']:.0f} s", flush=True)
    return 0


def _cmd_data(args) -> int:
    from .data import catalog

    if args.data_cmd == "list":
        table = catalog.list_datasets(data_dir=args.data_dir)
        print(table.to_string(index=False))
        return 0
    stats = catalog.stats(args.name, data_dir=args.data_dir)
    width = max(len(k) for k in stats)
    for key, value in stats.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        print(f"{key:<{width}s}  {value}")
    return 0


def _cmd_grade(args) -> int:
    import json

    from .grading import Limits, grade, report, to_json

    limits = Limits(
        total_seconds=args.timeout,
        cell_seconds=min(args.cell_timeout, args.timeout),
        case_seconds=args.case_timeout,
        memory_mb=args.memory_mb,
    )
    results = grade(
        args.paths,
        tests=args.tests,
        limits=limits,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(report(results))
    if args.json:
        out = atomic.write_text(args.json, json.dumps(to_json(results), indent=1) + "\n")
        print(f"\nscores written to {out}", file=sys.stderr)
    return 0


def _cmd_exercises(args) -> int:
    from .grading.build import build

    only = args.only.split(",") if args.only else None
    check = args.exercises_cmd == "check"
    try:
        lines = build(
            args.solutions, args.students, args.package_tests, args.bundles, only, check=check
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    if check:
        print("exercises are up to date" if not lines else f"{len(lines)} file(s) drifted")
        return 1 if lines else 0
    print(f"{len(lines)} file(s) written" if lines else "nothing to write: already up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmrec-course",
        description="LLM embeddings for recommender systems — the course's tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="execute the course's notebooks in order and write a report (the main job)"
    )
    run.add_argument("--only", default=None, help="notebook numbers or names, e.g. 01,03")
    run.add_argument(
        "--profile",
        default="auto",
        choices=["auto", "smoke", "cpu", "gpu"],
        help="sizes and models: smoke (seconds), cpu (minutes), gpu (Colab); auto picks gpu "
        "when CUDA is present, else cpu",
    )
    run.add_argument("--data", default="bundled", choices=["bundled", "real"])
    run.add_argument("--seed", type=int, default=0)
    run.add_argument(
        "--out", default="runs/latest", help="folder for the executed notebooks and the report"
    )
    run.add_argument("--notebooks", default=None, help="the course's notebooks folder")
    run.set_defaults(func=_cmd_run)

    grade_cmd = sub.add_parser(
        "grade",
        help="instructors: grade submitted notebooks offline, each in its own sandbox",
        description="Grade one notebook or every notebook under a folder. Each submission runs "
        "in a fresh process with time and memory limits, a temporary HOME and working folder "
        "and a stripped environment; its answers are judged in this process, where its code "
        "never ran. For a large untrusted class, otter's Docker grading isolates more strongly.",
    )
    grade_cmd.add_argument("paths", nargs="+", help="submitted notebooks or folders of them")
    grade_cmd.add_argument(
        "--tests",
        default=None,
        help="a folder of test files or an otter autograder zip (your own bundle, hidden tests "
        "included), or an assignment name such as 01_llm_embeddings (every test shipped with "
        "the package); default: each notebook's assignment",
    )
    grade_cmd.add_argument("--json", default=None, help="also write the scores to this JSON file")
    grade_cmd.add_argument("--timeout", type=float, default=300.0, help="seconds per submission")
    grade_cmd.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell")
    grade_cmd.add_argument("--case-timeout", type=float, default=30.0, help="seconds per case")
    grade_cmd.add_argument(
        "--memory-mb", type=int, default=6144, help="address space per submission"
    )
    grade_cmd.set_defaults(func=_cmd_grade)

    exercises = sub.add_parser(
        "exercises",
        help="maintainers and instructors: build the student notebooks and test files from the "
        "solution notebooks (otter assign), or check the committed ones have not drifted",
    )
    ex_sub = exercises.add_subparsers(dest="exercises_cmd", required=True)
    for name, text in (
        ("build", "write exercises/, the package's test files and the autograder zips"),
        ("check", "exit 1 if a committed student notebook or test file differs from the build"),
    ):
        cmd = ex_sub.add_parser(name, help=text)
        cmd.add_argument("--only", default=None, help="assignment numbers or names, e.g. 01,03")
        cmd.add_argument("--solutions", default="solutions", help="the solution notebooks")
        cmd.add_argument("--students", default="exercises", help="where student notebooks go")
        cmd.add_argument(
            "--package-tests",
            default=None,
            help="where the test files go (default: the package's own exercises/ folder; "
            "instructors building a private bundle pass a folder of their own)",
        )
        cmd.add_argument(
            "--bundles", default="dist/autograder", help="where otter's autograder zips go"
        )
    exercises.set_defaults(func=_cmd_exercises)

    notebooks = sub.add_parser(
        "notebooks", help="maintainers: rebuild the committed notebooks, or check they are fresh"
    )
    nb_sub = notebooks.add_subparsers(dest="notebooks_cmd", required=True)
    for name, text in (
        ("build", "execute in the cpu profile and save in place, with stamps and metrics"),
        ("check", "exit 1 if a committed notebook no longer matches its source or the package"),
    ):
        cmd = nb_sub.add_parser(name, help=text)
        cmd.add_argument("--only", default=None, help="notebook numbers or names, e.g. 01,03")
        cmd.add_argument("--notebooks", default=None, help="the course's notebooks folder")
    notebooks.set_defaults(func=_cmd_notebooks)

    demo = sub.add_parser(
        "demo", help="recommend from a small three-domain catalogue with the offline encoder"
    )
    demo.add_argument(
        "--model", default="minilm", help="encoder name, folder or hub id (default: minilm)"
    )
    demo.add_argument("--device", default="auto")
    demo.add_argument("-k", type=int, default=5, help="recommendations per user (default: 5)")
    demo.set_defaults(func=_cmd_demo)

    doctor = sub.add_parser("doctor", help="check versions, device, offline models, cache and hub")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the hub")
    doctor.set_defaults(func=_cmd_doctor)

    data = sub.add_parser(
        "data", help="datasets: list what is available, or print one's statistics"
    )
    data_sub = data.add_subparsers(dest="data_cmd", required=True)
    data_list = data_sub.add_parser(
        "list", help="every dataset the course knows and whether it is here"
    )
    data_list.add_argument(
        "--data-dir", default=None, help="folder of real datasets (default: $LLMREC_DATA_DIR)"
    )
    data_stats = data_sub.add_parser(
        "stats", help="counts, density and text lengths of one dataset"
    )
    data_stats.add_argument("name")
    data_stats.add_argument("--data-dir", default=None)
    data.set_defaults(func=_cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"llmrec-course {args.command}: error: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:  # a notebook that failed (NotebookError names it and the cell)
        print(f"llmrec-course {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
