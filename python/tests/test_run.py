import pandas as pd
import pytest

import agentcoder


def test_run_experiment_reports_progress(tiny_run):
    summary, progress = tiny_run["summary"], tiny_run["progress"]
    assert summary["planned"] == 4 and summary["ran"] == 4 and summary["run"] == "tiny"
    assert progress[0]["done"] == 0 and progress[-1]["done"] == 4
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)


def test_resume_runs_nothing_again_and_callback_errors_propagate(tiny_run):
    seen = []

    def stop(p):
        seen.append(p)
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        agentcoder.run_experiment(tiny_run["dir"] / "tiny.toml", results_dir=tiny_run["dir"] / "results", limit=2,
                                  resume=True, progress=stop)
    assert len(seen) == 1 and seen[0]["already_stored"] == 4 and seen[0]["done"] == 0
    assert len(agentcoder.open_run(tiny_run["results"]).episodes) == 4
    # Without --resume a stored run is refused, with the CLI's message.
    with pytest.raises(ValueError, match="tiny"):
        agentcoder.run_experiment(tiny_run["dir"] / "tiny.toml", results_dir=tiny_run["dir"] / "results", limit=2)


def test_open_run_tables_and_dtypes(tiny_run):
    run = agentcoder.open_run(tiny_run["results"])
    assert run.name == "tiny" and run.manifest
    e = run.episodes
    assert len(e) == 4 and e["episode_key"].is_unique
    assert isinstance(e["mode"].dtype, pd.CategoricalDtype)
    assert list(e["mode"].cat.categories) == ["free", "force_tool", "force_text", "no_tools", "distractor"]
    assert list(e["category"].cat.categories)[:2] == ["pure_reasoning", "execution_required"]
    assert isinstance(e["prompt_format"].dtype, pd.CategoricalDtype)
    assert str(e["started_at"].dtype).startswith("datetime64") and e["started_at"].notna().all()
    assert str(e["p_tool"].dtype) == "Float64"
    # The probe is measured in free mode only: unset (NA) in the forced modes.
    assert e.loc[e["mode"] != "free", "p_tool"].isna().all()
    assert e.loc[e["mode"] == "free", "p_tool"].notna().all()

    assert set(run.steps["episode_key"]) <= set(e["episode_key"]) and len(run.steps) >= 4
    assert isinstance(run.steps["reply_kind"].dtype, pd.CategoricalDtype)
    assert run.tool_calls.empty or run.tool_calls["executed"].dtype == bool
    s = run.scores
    assert len(s) == 4 and str(s["correct"].dtype) == "boolean"
    assert str(s["scored_at"].dtype).startswith("datetime64")
    assert len(run.tasks) == 2 and set(run.tasks["task_id"]) == set(e["task_id"])
    assert isinstance(run.tasks["difficulty"].dtype, pd.CategoricalDtype)


def test_metrics_are_the_cli_json(tiny_run):
    m, tidy = agentcoder.metrics(tiny_run["results"], bootstrap=0)
    assert m["run"] == "tiny" and m["episodes"] == 4 and m["scored"] == 4
    assert len(m["conditions"]) == 2
    assert list(tidy.columns) == ["variant", "prompt_format", "mode", "metric", "value"]
    assert str(tidy["value"].dtype) == "Float64"
    free_n = tidy[(tidy["mode"] == "free") & (tidy["metric"] == "n")]["value"]
    assert list(free_n) == [2]
    run = agentcoder.open_run(tiny_run["dir"] / "results" / "tiny")
    assert run.metrics(bootstrap=0) == m


def test_open_run_bad_run_name(tiny_run):
    with pytest.raises(ValueError):
        agentcoder.open_run(tiny_run["results"], run="nope")
