"""Shared fixtures: one sandbox for the module's tests, and a small stored
run on the tiny test model (tests/fixtures), made once per session through
run_experiment and score_run, for open_run and metrics."""

import json
import os
import pathlib

import pytest

import agentcoder

SOURCE_DIR = pathlib.Path(os.environ.get("AGENTCODER_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def sandbox():
    return agentcoder.Sandbox()


# Six tasks, as tests/experiment/experiment_fixture.h: two categories x
# difficulties per cell, one in the train split.
TASKS = [
    ("t-a1", "pure_reasoning", "easy", "test"),
    ("t-a2", "pure_reasoning", "easy", "test"),
    ("t-b1", "execution_required", "hard", "test"),
    ("t-b2", "execution_required", "hard", "test"),
    ("t-c1", "multi_step", "intermediate", "test"),
    ("t-c2", "multi_step", "intermediate", "train"),
]


def write_tasks(path: pathlib.Path) -> None:
    with path.open("w") as f:
        for i, (task_id, category, difficulty, split) in enumerate(TASKS):
            f.write(json.dumps({
                "id": task_id, "prompt": f"What is {i + 2} times 3?", "optimal_tool": "python",
                "reasoning": "arithmetic", "difficulty": difficulty, "category": category,
                "ground_truth_output": str((i + 2) * 3), "check": "exact", "source": "test", "split": split,
            }) + "\n")


def tiny_config(name: str, root: pathlib.Path, models: str, modes: list[str]) -> str:
    """A run config over root/tasks.jsonl (write_tasks) with the given
    [[models]] entries and modes: one format, a few tokens a step."""
    return f"""
name = "{name}"
seed = 5
[data]
tasks = "{root / 'tasks.jsonl'}"
split = "test"
{models}
[agent]
formats = ["direct"]
modes = {json.dumps(modes)}
tools = ["python"]
prompts = "{SOURCE_DIR / 'experiments' / 'prompts'}"
max_steps = 2
max_tokens = 16
max_tokens_per_step = 8
[engine]
parallel = 3
context_per_sequence = 1024
threads = 2
"""


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """{dir, results, summary, progress}: 2 tasks (--limit) x 1 format x 2 modes on the tiny model, scored."""
    model = os.environ.get("AGENTCODER_TINY_MODEL")
    if not model or not os.path.exists(model):
        pytest.fail("AGENTCODER_TINY_MODEL (the build's tiny test model) is not set or missing; run through ctest")
    root = tmp_path_factory.mktemp("run")
    write_tasks(root / "tasks.jsonl")
    (root / "tiny.toml").write_text(tiny_config("tiny", root, f'[[models]]\nname = "tiny"\npath = "{model}"',
                                                ["free", "force_text"]))
    progress = []
    out = agentcoder.run_experiment(root / "tiny.toml", results_dir=root / "results", limit=2,
                                     progress=progress.append)
    agentcoder.score_run(out["results"])
    return {"dir": root, "results": out["results"], "summary": out, "progress": progress}
