import pathlib

import pytest

import agentcoder
from conftest import write_tasks


def test_load_and_validate(tmp_path):
    path = tmp_path / "tasks.jsonl"
    write_tasks(path)
    tasks = agentcoder.load_tasks(path)
    assert [t["id"] for t in tasks][:2] == ["t-a1", "t-a2"]
    assert tasks[0]["category"] == "pure_reasoning" and tasks[0]["ground_truth_output"] == "6"
    report = agentcoder.validate_tasks(str(path))
    assert report["valid"] == 6 and report["bad_lines"] == 0 and report["issues"] == []


def test_bad_line_is_the_cli_message(tmp_path):
    path = tmp_path / "tasks.jsonl"
    write_tasks(path)
    with path.open("a") as f:
        f.write('{"id": "x", "prompt": "p", "optimal_tool": "python", "difficulty": "medium", "category": "ambiguous"}\n')
    report = agentcoder.validate_tasks(path)
    assert report["bad_lines"] == 1
    assert report["issues"][0].startswith(f"{path}:7: field 'difficulty': ")
    # `agentcoder data validate`'s last line.
    with pytest.raises(ValueError, match=r": 1 bad line\(s\); first: .*:7: field 'difficulty'"):
        agentcoder.load_tasks(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.jsonl: no such file$"):
        agentcoder.load_tasks(tmp_path / "nope.jsonl")
    with pytest.raises(FileNotFoundError):
        agentcoder.open_run(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        agentcoder.run_experiment(tmp_path / "missing.toml")


def test_score_exact_and_numeric(sandbox):
    task = {"id": "t1", "prompt": "2+2?", "optimal_tool": "none", "difficulty": "easy",
            "category": "pure_reasoning", "ground_truth_output": "4", "check": "exact"}
    right = agentcoder.score(task, "The answer is 4.", sandbox=sandbox)
    assert right["correct"] is True and right["check"] == "exact" and right["score"] == 1
    wrong = agentcoder.score(task, "5", sandbox=sandbox)
    assert wrong["correct"] is False
    numeric = dict(task, check="numeric", answer=3.14159, rel_tol=1e-3)
    assert agentcoder.score(numeric, "about 3.1416", sandbox=sandbox)["correct"] is True


def test_score_unit_tests_runs_the_calls_code(sandbox):
    task = {"id": "t2", "prompt": "Write add(a, b).", "optimal_tool": "python", "difficulty": "easy",
            "category": "execution_required", "check": "unit_tests", "tests": "assert add(2, 3) == 5"}
    tools = agentcoder.Tools(["python"], sandbox=sandbox)
    good = tools.call("python", {"code": "def add(a, b):\n    return a + b\nprint(add(1, 1))"})
    bad = tools.call("python", {"code": "def add(a, b):\n    return a - b"})
    assert agentcoder.score(task, "done", tool_calls=[good], sandbox=sandbox)["correct"] is True
    scored = agentcoder.score(task, "done", tool_calls=[bad], sandbox=sandbox)
    assert scored["correct"] is False and scored["detail"]


def test_bad_task_is_a_value_error(sandbox):
    with pytest.raises(ValueError, match=r"^task: field 'difficulty': "):
        agentcoder.score({"id": "t", "prompt": "p", "optimal_tool": "python", "difficulty": "medium",
                          "category": "ambiguous", "ground_truth_output": "1"}, "1", sandbox=sandbox)
    with pytest.raises(ValueError, match=r"^tool_calls\[0\]: field 'tool' is missing$"):
        agentcoder.score({"id": "t", "prompt": "p", "optimal_tool": "python", "difficulty": "easy",
                          "category": "ambiguous", "ground_truth_output": "1"}, "1", tool_calls=[{}], sandbox=sandbox)
