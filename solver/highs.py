"""HiGHS MIPs through OR-Tools' MathOpt: a warm start, the incumbent at a time limit, and cancel.

``model_builder``'s HiGHS path (OR-Tools 9.15) keeps a solution only when HiGHS proves it
optimal, ignores solution hints and cannot be interrupted. MathOpt's HiGHS path passes a full
solution hint to ``Highs::setSolution`` and returns the incumbent at a time limit, but ignores
MathOpt's interrupter too. So the model built with ``model_builder`` is handed over as MPS text
(converted in C++: 0.03 s for 3,000 columns). Cancellation: HiGHS runs in a thread that is
abandoned when the cancel event is set (see ``solve_mip``); restarting HiGHS in short slices
instead would repeat its root cut rounds, which alone take seconds on a 1,000-account model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from ortools.math_opt import model_parameters_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core
from ortools.math_opt.io.python import mps_converter
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2
from pybind11_abseil.status import StatusNotOk  # type: ignore[import-untyped]

from solver.problem import FloatArray

POLL_S = 0.05  # how often the cancel event is looked at while HiGHS runs
INF = float("inf")
# one MPS conversion at a time: two threads entering ``mps_to_model_proto`` together for the first
# time deadlocked (2026-11-23, 5k channel: the RINS thread and a neighbourhood thread, one
# holding the GIL in a C++ static-initialisation guard, the other holding the guard and waiting
# for the GIL; the process hung at 9 s CPU); a conversion takes 0.03 s
_CONVERT = threading.Lock()


_TERMINATION = {
    result_pb2.TERMINATION_REASON_OPTIMAL: "OPTIMAL",
    result_pb2.TERMINATION_REASON_FEASIBLE: "FEASIBLE",
    result_pb2.TERMINATION_REASON_INFEASIBLE: "INFEASIBLE",
    result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND: "NOT_SOLVED",
}


@dataclass(frozen=True, eq=False)
class MipOutcome:
    """Best solution of a HiGHS MIP, if any, with HiGHS's proven bound."""

    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, NOT_SOLVED, CANCELLED (with or without values)
    values: FloatArray | None  # one value per column, in the helper's column order
    objective: float
    bound: float  # HiGHS's dual bound (inf when unknown), maximisation
    wall_s: float


def _solve_once(
    proto: object, n: int, limit: float, hint: FloatArray | None, effort: float | None
) -> tuple[str, FloatArray | None, float, float]:
    options = {} if effort is None else {"mip_heuristic_effort": effort}
    params = mathopt.SolveParameters(
        time_limit=timedelta(seconds=max(0.01, limit)),
        highs=highs_pb2.HighsOptionsProto(double_options=options),
    )
    model_params = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        h = model_params.solution_hints.add()
        h.variable_values.ids.extend(range(n))
        h.variable_values.values.extend(hint.tolist())
    res = core.solve(
        proto,
        mathopt.SolverType.HIGHS.value,
        mathopt.StreamableSolverInitArguments().to_proto(),
        params.to_proto(),
        model_params,
        None,
        mathopt.CallbackRegistration().to_proto(),
        None,
        None,
    )
    status = _TERMINATION.get(res.termination.reason, "NOT_SOLVED")
    bound = float(res.termination.objective_bounds.dual_bound)
    for sol in res.solutions:
        primal = sol.primal_solution
        if primal.feasibility_status != solution_pb2.SOLUTION_STATUS_FEASIBLE:
            continue
        values = np.zeros(n)
        values[np.asarray(primal.variable_values.ids, np.int64)] = primal.variable_values.values
        return status, values, float(primal.objective_value), bound
    return status, None, float("-inf"), bound


def _run(proto: object, n: int, time_limit: float, hint: FloatArray | None,
         effort: float | None) -> MipOutcome:  # fmt: skip
    t0 = time.monotonic()
    try:
        status, values, obj, bound = _solve_once(proto, n, time_limit, hint, effort)
    except StatusNotOk:
        if hint is None:
            return MipOutcome("ERROR", None, -INF, INF, time.monotonic() - t0)
        # HiGHS answers kError on some hints; the model is solved without one
        left = max(0.01, time_limit - (time.monotonic() - t0))
        return _run(proto, n, left, None, effort)
    return MipOutcome(status, values, obj, bound if np.isfinite(bound) else INF,
                      time.monotonic() - t0)  # fmt: skip


def solve_mip(
    helper: mbh.ModelBuilderHelper,
    time_limit: float,
    hint: FloatArray | None = None,
    cancel: threading.Event | None = None,
    effort: float | None = None,
) -> MipOutcome:
    """Maximise the MIP in ``helper`` with HiGHS within ``time_limit`` seconds.

    ``hint`` is a full solution to start from (HiGHS ignores it when infeasible). With ``cancel``
    HiGHS runs in another thread (it releases the GIL) while this one watches the event every
    ``POLL_S`` s; once it is set the call returns status CANCELLED without a solution and HiGHS,
    which cannot be interrupted, runs on to its own time limit unobserved (one core meanwhile).
    ``effort`` is HiGHS's ``mip_heuristic_effort`` (default 0.05).
    """
    t0 = time.monotonic()
    n = helper.num_variables()
    text = helper.export_to_mps_string()
    with _CONVERT:
        proto = mps_converter.mps_to_model_proto(text)
    time_limit = max(0.01, time_limit - (time.monotonic() - t0))  # the conversion counts
    if cancel is None:
        return _run(proto, n, time_limit, hint, effort)
    box: list[MipOutcome] = []
    worker = threading.Thread(
        target=lambda: box.append(_run(proto, n, time_limit, hint, effort)), daemon=False
    )  # not a daemon: at interpreter exit a HiGHS still running aborted the process
    worker.start()
    while True:
        worker.join(POLL_S)
        if box:
            return box[0]
        if cancel.is_set():
            return MipOutcome("CANCELLED", None, -INF, INF, time.monotonic() - t0)
