"""`allot solve-file` and `allot gen-problem`: drive the solver through files.

``register(sub)`` adds both subcommands to the ``allot`` CLI; each sets ``func`` to a handler
``(argparse.Namespace) -> int`` returning the exit code. ``main(argv)`` runs them standalone
(``python -m api.cli_solver solve-file problem.json``).

Exit codes: 0 an allocation was found (OPTIMAL or FEASIBLE), 1 none was (INFEASIBLE or
UNKNOWN; the conflicting rules go to stderr), 2 bad input (one line naming the problem).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from solver import Progress, Result

EXIT_OK = 0
EXIT_NO_ALLOCATION = 1
EXIT_BAD_INPUT = 2
WARM_NOTE_S = 3.0  # loading the compiled kernels took this long: they were compiled afresh


class InputError(Exception):
    """Bad user input: reported as one line on stderr with exit code 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _fmt_gap(gap: float | None, bound: float | None = None) -> str:
    if gap is None or not math.isfinite(gap) or (bound is not None and not math.isfinite(bound)):
        return "-"
    return f"{100.0 * gap:.3f}%"


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr for a while: native solver libraries print banners
    there, and stdout must carry only the summary line."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class ProgressPrinter:
    """Prints solver progress: one line redrawn with \\r on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, min_interval_s: float = 0.5) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.min_interval_s = min_interval_s if self.tty else 2 * min_interval_s
        self._last_print = -1e9
        self._last_key: tuple[float | None, float | None] | None = None
        self._lock = threading.Lock()
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        """Solver callback: print when something changed and not too often."""
        key = (progress.incumbent, progress.bound)
        now = time.monotonic()
        with self._lock:
            if key == self._last_key and now - self._last_print < 5.0:
                return
            if now - self._last_print < self.min_interval_s:
                return
            self._last_key, self._last_print = key, now
            line = (
                f"incumbent {_fmt(progress.incumbent)}  bound {_fmt(progress.bound)}  "
                f"gap {_fmt_gap(progress.gap, progress.bound)}  elapsed {progress.elapsed_s:.1f}s"
            )
            if self.tty:
                self.stream.write("\r\x1b[2K" + line)
                self._drawn = True
            else:
                self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        with self._lock:
            if self._drawn:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn = False


def summary_line(result: Result) -> str:
    """One line: status, objective, bound, gap, runtime."""
    return (
        f"status={result.status.name} objective={_fmt(result.objective)} "
        f"bound={_fmt(result.bound)} gap={_fmt_gap(result.gap, result.bound)} "
        f"runtime={result.runtime_s:.2f}s"
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    return data


def _prepare(data: Any) -> Any:
    """The problem's allowed pairs (``solver.space.build_space``), and when the solve may run
    the solver's compiled kernels (``solver.separable.uses_kernels``) those loaded
    (``solver.compiled.warm``), both before the solver's clock starts: the first such solve
    after an install would otherwise spend 10-20 s of its time limit compiling them (the worker
    does this at start, ``solve_process``)."""
    from solver.separable import uses_kernels
    from solver.space import build_space

    space = build_space(data)
    if uses_kernels(space):
        from solver.compiled import warm

        seconds = warm()
        if seconds > WARM_NOTE_S:
            print(f"compiled the solver's kernels in {seconds:.1f} s (once per install)",
                  file=sys.stderr)  # fmt: skip
    return space


def _solve_in_thread(data: Any, params: Any, printer: ProgressPrinter | None) -> Result:
    """Run solve() in a thread so Ctrl-C cancels it cleanly instead of killing it (a Ctrl-C
    while the kernels load lets the solve start cancelled: it returns at once)."""
    from solver import solve

    cancel = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            space = _prepare(data)
            box["result"] = solve(data, params, progress=printer, cancel=cancel, space=space)
        except BaseException as exc:  # re-raised in the main thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="allot-solve", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        worker.join()
    if "error" in box:
        raise box["error"]
    result: Result = box["result"]
    return result


def cmd_solve_file(args: argparse.Namespace) -> int:
    """Solve a problem file, print progress and a summary, write the result file."""
    from solver import ProblemValidationError, SolveParams, problem_from_dict, result_to_dict

    raw = _read_json(Path(args.problem))
    try:
        data = problem_from_dict(raw)
        params = SolveParams(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    except ProblemValidationError as exc:
        raise InputError(f"{args.problem}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:  # a gap in validation; still one line
        raise InputError(
            f"{args.problem}: malformed problem ({type(exc).__name__}: {exc})"
        ) from None
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    try:
        with _stdout_to_stderr():
            result = _solve_in_thread(data, params, printer)
    finally:
        if printer is not None:
            printer.close()
    if args.out is not None:
        out = Path(args.out)
        try:
            out.write_text(json.dumps(result_to_dict(result, data)) + "\n")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    for conflict in result.conflicts:
        print(f"conflict: {conflict}", file=sys.stderr)
    print(summary_line(result), flush=True)
    return EXIT_OK if result.status.name in ("OPTIMAL", "FEASIBLE") else EXIT_NO_ALLOCATION


def cmd_gen_problem(args: argparse.Namespace) -> int:
    """Write a synthetic allot-problem/1 file from the synthetic channel generator."""
    from solver.synthetic import channel_policy, channel_to_problem, generate_channel

    channel = generate_channel(
        seed=args.seed,
        accounts=args.accounts,
        partners=args.partners,
        territories=args.territories,
        specialists=args.specialists,
    )
    only = bool(args.unnamed_only)
    policy = channel_policy(channel, args.seed, unnamed_only=only) if args.policy == "all" else None
    name = args.name or f"synthetic-a{args.accounts}-p{args.partners}-s{args.seed}-{args.policy}"
    problem = channel_to_problem(channel, name=name, policy=policy, unnamed_only=only)
    out = Path(args.out)
    try:
        out.write_text(json.dumps(problem) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(
        f"wrote {out}: {len(problem['accounts'])} accounts, {len(problem['partners'])} partners, "
        f"{len(problem['specialists'])} specialists, policy {args.policy}"
    )
    return EXIT_OK


def _guarded(handler: Any) -> Any:
    """Turn InputError into one line on stderr and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            code: int = handler(args)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return code

    run.__doc__ = handler.__doc__
    return run


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the solve-file and gen-problem subcommands to the allot CLI."""
    solve_p = subparsers.add_parser(
        "solve-file",
        help="solve an allot-problem/1 JSON file",
        description="Solve an allot-problem/1 file; progress on stderr, summary on stdout.",
    )
    solve_p.add_argument("problem", metavar="PROBLEM.json")
    solve_p.add_argument("--time-limit", type=_positive_float, default=10.0, metavar="S")
    solve_p.add_argument("--workers", type=_positive_int, default=2, metavar="N")
    solve_p.add_argument("--seed", type=_non_negative_int, default=0, metavar="K")
    solve_p.add_argument("--out", metavar="RESULT.json", help="write the allot-result/1 file")
    solve_p.add_argument("--quiet", action="store_true", help="no progress lines")
    solve_p.set_defaults(func=_guarded(cmd_solve_file))

    gen_p = subparsers.add_parser(
        "gen-problem",
        help="write a synthetic allot-problem/1 file",
        description="Write a synthetic channel problem (deterministic by seed).",
    )
    gen_p.add_argument("--accounts", type=_positive_int, default=5000, metavar="N")
    gen_p.add_argument("--partners", type=_positive_int, default=250, metavar="P")
    gen_p.add_argument("--territories", type=_positive_int, default=40, metavar="T")
    gen_p.add_argument("--specialists", type=_non_negative_int, default=60, metavar="S")
    gen_p.add_argument("--seed", type=_non_negative_int, default=0, metavar="K")
    gen_p.add_argument("--policy", choices=("all", "none"), default="all")
    gen_p.add_argument(
        "--unnamed-only",
        action="store_true",
        help="keep only the accounts released to the channel (UNNAMED); default: all N",
    )
    gen_p.add_argument("--name", default=None, help="problem name (default from the sizes)")
    gen_p.add_argument("--out", required=True, metavar="FILE.json")
    gen_p.set_defaults(func=_guarded(cmd_gen_problem))


def main(argv: list[str] | None = None) -> int:
    """Standalone entry: ``python -m api.cli_solver solve-file|gen-problem ...``."""
    parser = argparse.ArgumentParser(prog="allot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
