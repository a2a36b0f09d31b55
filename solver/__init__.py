"""Allocation solver: accounts to partners and specialists, near-optimal with a proven bound.

A pure library (numpy, scipy, ortools, numba, stdlib). Build ``ProblemData`` with
``problem_from_dict`` or ``load_problem``, call ``solve``, turn the ``Result`` into a file with
``result_to_dict``.
``evaluate`` and ``validate`` check any allocation without the solver; ``greedy`` is the baseline.
"""

from solver.greedy import greedy
from solver.io import load_problem, problem_from_dict
from solver.objective import evaluate
from solver.params import SolveParams
from solver.problem import ProblemData, ProblemValidationError
from solver.report import result_to_dict
from solver.result import Allocation, Progress, Result, SolveStatus
from solver.solve import solve
from solver.validate import validate

__all__ = [
    "Allocation",
    "ProblemData",
    "ProblemValidationError",
    "Progress",
    "Result",
    "SolveParams",
    "SolveStatus",
    "evaluate",
    "greedy",
    "load_problem",
    "problem_from_dict",
    "result_to_dict",
    "solve",
    "validate",
]
