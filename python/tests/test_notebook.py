"""notebooks/analysis.ipynb runs top to bottom (nbclient, the project's
kernel) on a small scored run with two variants made here (the tiny model
and the same with its LoRA), and its tables
are the run's: the episode count it prints, one headline row per
condition, and a side-by-side table of both variants."""

import os
import pathlib

import nbclient
import nbformat

import agentcoder

from conftest import SOURCE_DIR, tiny_config, write_tasks

NOTEBOOK = SOURCE_DIR / "notebooks" / "analysis.ipynb"


def two_variant_run(root: pathlib.Path) -> pathlib.Path:
    model, lora = os.environ["AGENTCODER_TINY_MODEL"], os.environ["AGENTCODER_TINY_LORA"]
    write_tasks(root / "tasks.jsonl")
    models = (f'[[models]]\nname = "base"\npath = "{model}"\n'
              f'[[models]]\nname = "other"\npath = "{model}"\nlora = ["{lora}:1.0"]')
    (root / "two.toml").write_text(tiny_config("two", root, models, ["free", "force_tool", "force_text"]))
    out = agentcoder.run_experiment(root / "two.toml", results_dir=root / "results", limit=2)
    agentcoder.score_run(out["results"])
    return pathlib.Path(out["results"])


def outputs_text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        elif "data" in o and "text/plain" in o["data"]:
            parts.append(o["data"]["text/plain"])
        elif o.get("output_type") == "error":
            parts.append(o["ename"] + ": " + o["evalue"])
    return "\n".join(parts)


def test_the_notebook_runs_top_to_bottom_on_a_two_variant_run(tmp_path, monkeypatch):
    results = two_variant_run(tmp_path)
    monkeypatch.setenv("AGENTCODER_NOTEBOOK_RUN", str(results))
    monkeypatch.setenv("AGENTCODER_NOTEBOOK_BOOTSTRAP", "50")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are not committed"
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    run = agentcoder.open_run(results)
    m, _ = agentcoder.metrics(run, bootstrap=50)
    code = [c for c in nb.cells if c.cell_type == "code"]
    text = {i: outputs_text(c) for i, c in enumerate(code)}
    assert f"{len(run.episodes)} episodes" in text[1]
    headline = next(t for t in text.values() if "tool_selection_accuracy" in t)
    for c in m["conditions"]:
        assert c["variant"] in headline and c["mode"] in headline
    side = text[len(code) - 1]
    assert "accuracy base" in side and "accuracy other" in side, side
