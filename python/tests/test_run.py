import pandas as pd
import pytest

import agentcoder


def test_run_experiment_reports_progress(tiny_run):
    summary, progress = tiny_run["summary"], tiny_run["progress"]
    assert summary["planned"] == 15 and summary["ran"] == 15 and summary["run"] == "tiny"
    assert progress[0]["done"] == 0 and progress[-1]["done"] == 15
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)


def test_resume_runs_nothing_again(tiny_run):
    again = agentcoder.run_experiment(tiny_run["dir"] / "tiny.toml", results_dir=tiny_run["dir"] / "results", resume=True)
    assert again["already_stored"] == 15 and again["ran"] == 0
    with pytest.raises(ValueError, match="tiny"):
        agentcoder.run_experiment(tiny_run["dir"] / "tiny.toml", results_dir=tiny_run["dir"] / "results")


def test_open_run_tables_and_dtypes(tiny_run):
    run = agentcoder.open_run(tiny_run["results"])
    assert run.name == "tiny" and run.manifest
    e = run.episodes
    assert len(e) == 15 and e["episode_key"].is_unique
    assert isinstance(e["mode"].dtype, pd.CategoricalDtype)
    assert list(e["mode"].cat.categories) == ["free", "force_tool", "force_text"]
    assert list(e["category"].cat.categories)[:2] == ["pure_reasoning", "execution_required"]
    assert isinstance(e["prompt_format"].dtype, pd.CategoricalDtype)
    assert str(e["started_at"].dtype).startswith("datetime64") and e["started_at"].notna().all()
    assert str(e["p_tool"].dtype) == "Float64"
    # The probe is measured in free mode only: unset (NA) in the forced modes.
    assert e.loc[e["mode"] != "free", "p_tool"].isna().all()
    assert e.loc[e["mode"] == "free", "p_tool"].notna().all()

    assert set(run.steps["episode_key"]) <= set(e["episode_key"]) and len(run.steps) >= 15
    assert isinstance(run.steps["reply_kind"].dtype, pd.CategoricalDtype)
    assert run.tool_calls.empty or run.tool_calls["executed"].dtype == bool
    s = run.scores
    assert len(s) == 15 and str(s["correct"].dtype) == "boolean"
    assert str(s["scored_at"].dtype).startswith("datetime64")
    assert set(run.tasks["task_id"]) == {"t-a1", "t-a2", "t-b1", "t-b2", "t-c1"}
    assert isinstance(run.tasks["difficulty"].dtype, pd.CategoricalDtype)


def test_metrics_are_the_cli_json(tiny_run):
    m, tidy = agentcoder.metrics(tiny_run["results"], bootstrap=0)
    assert m["run"] == "tiny" and m["episodes"] == 15 and m["scored"] == 15
    assert len(m["conditions"]) == 3
    assert list(tidy.columns) == ["variant", "prompt_format", "mode", "metric", "value"]
    assert str(tidy["value"].dtype) == "Float64"
    free_n = tidy[(tidy["mode"] == "free") & (tidy["metric"] == "n")]["value"]
    assert list(free_n) == [5]
    run = agentcoder.open_run(tiny_run["dir"] / "results" / "tiny")
    assert run.metrics(bootstrap=0) == m


def test_open_run_bad_run_name(tiny_run):
    with pytest.raises(ValueError):
        agentcoder.open_run(tiny_run["results"], run="nope")
