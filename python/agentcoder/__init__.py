"""AgentCoder's harness as a Python library.

Everything here calls the same C++ as the ``agentcoder`` command (the
extension module ``_agentcoder``): the native sandbox, the tools, the reply
parser, the task loader, the scorer, the experiment runner and the results
store. Only the pandas layer over a stored run (``open_run``, ``metrics``)
is Python.

    >>> import agentcoder
    >>> agentcoder.Sandbox().run("print(6*7)").stdout
    '42\\n'

Bad input raises ValueError with the one-line message the CLI prints; a
missing file FileNotFoundError.
"""

import os

# llama.cpp's OpenMP threads spin while idle unless told otherwise, and
# libgomp reads this when it loads, with the extension below (the reason and
# figures: src/models/llama_runtime.h, kOpenMpWaitPolicy). A value already
# set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from ._agentcoder import (  # noqa: E402
    Sandbox,
    SandboxResult,
    Tools,
    find_run,
    load_tasks,
    metrics_json,
    parse_reply,
    run_experiment,
    score,
    score_run,
    validate_tasks,
    vocabulary,
)
from .run import Run, metrics, open_run

__all__ = [
    "Run",
    "Sandbox",
    "SandboxResult",
    "Tools",
    "find_run",
    "load_tasks",
    "metrics",
    "metrics_json",
    "open_run",
    "parse_reply",
    "run_experiment",
    "score",
    "score_run",
    "validate_tasks",
    "vocabulary",
]
