"""A stored run as pandas DataFrames, and its metrics.

The C++ store finds the results file and the run (the same checks and
messages as ``agentcoder metrics``); the tables are read here with sqlite3
and pandas, read-only: a query per table gives whole columns at once, which
converting row objects from C++ would not, and the schema (src/store/
schema.cpp) is the stored contract either way. Metrics are never computed
here: ``metrics()`` reads the JSON of evaluation/metrics.cpp through the
extension module.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import _agentcoder

# The order of each categorical, from the harness itself.
_VOCABULARY = _agentcoder.vocabulary()


def _categorical(values: pd.Series, categories: list[str] | None = None) -> pd.Series:
    """A categorical column: in the harness's order where it has one (values
    outside it, e.g. from a newer harness, are added after), else sorted."""
    present = [v for v in pd.unique(values) if isinstance(v, str)]
    if categories is None:
        order = sorted(present)
    else:
        order = list(categories) + sorted(v for v in present if v not in categories)
    return pd.Categorical(values, categories=order)


def _datetime(values: pd.Series) -> pd.Series:
    """ISO 8601 UTC text to datetime64[UTC]; "" (unknown) becomes NaT."""
    return pd.to_datetime(values.replace("", None), utc=True, format="ISO8601")


def _json_column(values: pd.Series) -> pd.Series:
    """JSON text to Python objects; NULL and "" become None."""
    return values.map(lambda text: json.loads(text) if isinstance(text, str) and text else None)


def _nullable_bool(values: pd.Series) -> pd.Series:
    return values.astype("boolean")


@dataclass
class Run:
    """One stored run: its identity and its tables.

    episodes    one row per episode (key, condition, outcome, timings);
                mode, prompt_format, variant, category, difficulty,
                optimal_tool, stop_reason, first_decision, first_tool are
                categoricals; started_at, finished_at, stored_at datetimes
                (UTC); p_tool and p_text nullable Float64 (unset outside free
                mode)
    steps       one row per model reply (episode_id, step_index, episode_key)
    tool_calls  one row per call (episode_id, step_index, call_index,
                episode_key); record is the tool's record as a dict
    scores      one row per scored episode; correct and fabrication_false
                nullable booleans; detail a dict
    tasks       one row per task as posed: the task's JSON fields as columns
    """

    file: str
    run_id: int
    name: str
    created_at: pd.Timestamp
    config: dict[str, Any]
    manifest: dict[str, Any]
    episodes: pd.DataFrame = field(repr=False)
    steps: pd.DataFrame = field(repr=False)
    tool_calls: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    tasks: pd.DataFrame = field(repr=False)

    def metrics(self, bootstrap: int = 1000, seed: int = 1) -> dict[str, Any]:
        """The metrics JSON of ``agentcoder metrics --json`` for this run."""
        return _agentcoder.metrics_json(self.file, self.name, bootstrap, seed)


def _read(db: sqlite3.Connection, sql: str, run_id: int) -> pd.DataFrame:
    return pd.read_sql_query(sql, db, params=(run_id,))


def _episodes(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    e = _read(db, "SELECT * FROM episodes WHERE run_id = ? ORDER BY episode_id", run_id)
    vocab = _VOCABULARY
    orders = {
        "mode": vocab["mode"],
        "category": vocab["category"],
        "difficulty": vocab["difficulty"],
        "stop_reason": vocab["stop_reason"],
        "first_decision": vocab["reply_kind"],
        "prompt_format": None,
        "variant": None,
        "optimal_tool": None,
        "first_tool": None,
    }
    for column, order in orders.items():
        if column in e:
            e[column] = _categorical(e[column], order)
    for column in ("started_at", "finished_at", "stored_at"):
        if column in e:
            e[column] = _datetime(e[column])
    for column in ("p_tool", "p_text"):
        if column in e:
            e[column] = e[column].astype("Float64")
    for column in ("key_json", "adapters_json", "settings_json", "extra_json"):
        if column in e:
            e[column.removesuffix("_json")] = _json_column(e.pop(column))
    if "probe_openers" in e:
        e["probe_openers"] = _json_column(e["probe_openers"])
    return e


def _keys(db: sqlite3.Connection, run_id: int) -> str:
    return "(SELECT episode_id, episode_key FROM episodes WHERE run_id = ?)"


def _steps(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    s = _read(db, "SELECT s.*, e.episode_key FROM steps s JOIN " + _keys(db, run_id) +
              " e USING (episode_id) ORDER BY s.episode_id, s.step_index", run_id)
    s["reply_kind"] = _categorical(s["reply_kind"], _VOCABULARY["reply_kind"])
    s["generation_stop"] = _categorical(s["generation_stop"], _VOCABULARY["generation_stop"])
    for column in ("parse_errors_json", "repairs_json"):
        s[column.removesuffix("_json")] = _json_column(s.pop(column))
    return s


def _tool_calls(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    c = _read(db, "SELECT c.*, e.episode_key FROM tool_calls c JOIN " + _keys(db, run_id) +
              " e USING (episode_id) ORDER BY c.episode_id, c.step_index, c.call_index", run_id)
    c["tool"] = _categorical(c["tool"])
    c["error_class"] = _categorical(c["error_class"])
    c["executed"] = c["executed"].astype(bool)
    c["ok"] = c["ok"].astype(bool)
    c["record"] = _json_column(c.pop("record_json"))
    return c


def _scores(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    s = _read(db, "SELECT * FROM scores WHERE run_id = ? ORDER BY episode_key", run_id)
    s["check_kind"] = _categorical(s["check_kind"])
    s["correct"] = _nullable_bool(s["correct"])
    s["fabrication_claim"] = s["fabrication_claim"].astype(bool)
    s["fabrication_false"] = _nullable_bool(s["fabrication_false"])
    s["scored_at"] = _datetime(s["scored_at"])
    s["detail"] = _json_column(s.pop("detail_json"))
    return s


def _tasks(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    rows = _read(db, "SELECT task_id, task_sha256, task_json FROM tasks WHERE run_id = ? ORDER BY task_id", run_id)
    fields = pd.DataFrame([json.loads(t) for t in rows["task_json"]], index=rows.index)
    t = pd.concat([rows[["task_id", "task_sha256"]], fields.drop(columns=["id"], errors="ignore")], axis=1)
    for column, order in (("category", _VOCABULARY["category"]), ("difficulty", _VOCABULARY["difficulty"]),
                          ("optimal_tool", None), ("check", None), ("source", None), ("split", None)):
        if column in t:
            t[column] = _categorical(t[column], order)
    return t


def open_run(path: str | os.PathLike[str], run: str = "") -> Run:
    """Opens a stored run: ``path`` is a results.sqlite or its run directory;
    ``run`` names the run when the file holds several. Raises
    FileNotFoundError for a missing path, ValueError for a file that is not a
    results file or a run that is not in it."""
    info = _agentcoder.find_run(path, run)
    with sqlite3.connect(f"file:{info['file']}?mode=ro", uri=True) as db:
        run_id = info["run_id"]
        return Run(
            file=info["file"],
            run_id=run_id,
            name=info["name"],
            created_at=pd.Timestamp(info["created_at"]),
            config=info["config"] if isinstance(info["config"], dict) else {},
            manifest=info["manifest"] if isinstance(info["manifest"], dict) else {},
            episodes=_episodes(db, run_id),
            steps=_steps(db, run_id),
            tool_calls=_tool_calls(db, run_id),
            scores=_scores(db, run_id),
            tasks=_tasks(db, run_id),
        )


def metrics(run: Run | str | os.PathLike[str], bootstrap: int = 1000, seed: int = 1) -> tuple[dict[str, Any], pd.DataFrame]:
    """The run's metrics (evaluation/metrics.cpp, as ``agentcoder metrics
    --json``) as nested dicts, and a tidy DataFrame of every number in the
    per-condition part: one row per (variant, prompt_format, mode, metric),
    the metric a dotted path (e.g. ``accuracy.value``,
    ``decision.malformed_as_call.f1``) and its value."""
    if isinstance(run, Run):
        m = run.metrics(bootstrap, seed)
    else:
        m = _agentcoder.metrics_json(run, "", bootstrap, seed)
    rows = []
    for condition in m.get("conditions", []):
        ident = {k: condition.get(k) for k in ("variant", "prompt_format", "mode")}
        for metric, value in _flatten(condition):
            if metric not in ident:
                rows.append({**ident, "metric": metric, "value": value})
    tidy = pd.DataFrame(rows, columns=["variant", "prompt_format", "mode", "metric", "value"])
    tidy["value"] = tidy["value"].astype("Float64")
    for column, order in (("mode", _VOCABULARY["mode"]), ("prompt_format", None), ("variant", None)):
        tidy[column] = _categorical(tidy[column], order)
    return m, tidy


def _flatten(value: Any, prefix: str = ""):
    """(dotted path, number) for every number (or null) under value; lists of
    objects are keyed by their first text field (e.g. per_tool.python.f1)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            label = str(i)
            if isinstance(item, dict):
                label = next((str(v) for v in item.values() if isinstance(v, str)), label)
            yield from _flatten(item, f"{prefix}.{label}")
    elif isinstance(value, bool):
        yield prefix, float(value)
    elif isinstance(value, (int, float)) or value is None:
        yield prefix, value
