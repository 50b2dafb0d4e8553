"""Checks `agentcoder export inspect` the way an Inspect AI user meets it.

Reads FILE.json with inspect_ai's read_eval_log (pydantic validation of
every sample, message and event), converts it with `inspect log convert
--to eval` (Inspect's zip format) and reads that back, and compares the
two. Prints what it found; exits non-zero on the first mismatch.

  check_inspect_log.py FILE.json --samples N [--tool-events] [--parse-errors]
"""

import argparse
import pathlib
import subprocess
import sys
import tempfile

from inspect_ai.event import ModelEvent, ToolEvent
from inspect_ai.log import read_eval_log


def summary(log):
    """What the checks compare between the JSON and the .eval form."""
    rows = []
    for s in log.samples:
        rows.append((str(s.id), s.epoch,
                     tuple(type(e).__name__ for e in s.events),
                     tuple(sorted((k, str(v.value)) for k, v in (s.scores or {}).items())),
                     s.metadata.get("mode"), len(s.messages)))
    return sorted(rows)  # the .eval file keeps its samples in its own order


def parse_errors(log):
    return sum(1 for s in log.samples for m in s.messages
               if m.role == "assistant" for c in (m.tool_calls or []) if c.parse_error)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--samples", type=int, required=True)
    ap.add_argument("--tool-events", action="store_true", help="require at least one tool event")
    ap.add_argument("--parse-errors", action="store_true", help="require at least one malformed call")
    args = ap.parse_args()

    log = read_eval_log(args.file)
    assert log.version == 2, log.version
    assert log.status == "success", log.status
    assert len(log.samples) == args.samples, f"{len(log.samples)} samples, expected {args.samples}"
    model_events = sum(isinstance(e, ModelEvent) for s in log.samples for e in s.events)
    tool_events = sum(isinstance(e, ToolEvent) for s in log.samples for e in s.events)
    for s in log.samples:
        assert any(isinstance(e, ModelEvent) for e in s.events), f"sample {s.id} has no model event"
        for key in ("mode", "prompt_format", "variant", "category", "probe", "tool_necessary"):
            assert key in s.metadata, f"sample {s.id} metadata lacks {key}"
    scored = sum(1 for s in log.samples if s.scores)
    print(f"read_eval_log: {len(log.samples)} samples, {model_events} model events, {tool_events} tool events, "
          f"{parse_errors(log)} malformed calls, {scored} scored; model {log.eval.model}; "
          f"run {log.metadata.get('run')}")
    assert "manifest" in log.metadata, "the log's metadata lacks the run's manifest"
    if args.tool_events:
        assert tool_events > 0, "no tool event"
    if args.parse_errors:
        assert parse_errors(log) > 0, "no malformed call with parse_error"

    inspect = pathlib.Path(sys.executable).with_name("inspect")
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([str(inspect), "log", "convert", "--to", "eval", "--output-dir", out, args.file],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"inspect log convert failed: {r.stdout}{r.stderr}"
        converted = list(pathlib.Path(out).rglob("*.eval"))
        assert len(converted) == 1, f"expected one .eval file, found {converted}"
        back = read_eval_log(str(converted[0]))
        assert summary(back) == summary(log), "the .eval file does not read back as the JSON"
        assert back.results.scores == log.results.scores
        print(f"inspect log convert --to eval: {converted[0].name}, {converted[0].stat().st_size} bytes, "
              f"{len(back.samples)} samples read back alike")
    print("inspect log loads and converts")


if __name__ == "__main__":
    main()
