"""bench/peers: our stack against the one a researcher would pick instead.

The same tasks, model, tools, limits and parallelism run twice in one
invocation:
  ours    `agentcoder run` (the episode runner on our batched engine, tools in
          the native sandbox), scored by `agentcoder score`;
  theirs  Inspect AI (its python() tool in its local sandbox, plus a math tool
          running our math program) driving llama.cpp's llama-server (the same
          pinned llama.cpp, continuous batching, one slot per episode in
          flight), scored by the same scorer (agentcoder.score).
It prints episodes/s of each and the ratio, each stack's python tool-call
latency (p50/p95), tokens generated per episode and accuracy.

  ~/.cache/agentcoder/venv/bin/python bench/peers/peers_bench.py [--tasks 64] [--parallel 8] [--threads 2]

llama-server is built on demand (scripts/build_llama.sh cpu --server) and
always stopped before the script exits. What differs between the two set-ups:
bench/peers/README.md.
"""

import argparse
import json
import math
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("AGENTCODER_HOME", Path.home() / ".cache" / "agentcoder"))
SYSTEM_PROMPT_FILE = ROOT / "experiments" / "prompts" / "tool_description.txt"
MATH_RUNNER = ROOT / "src" / "tools" / "math_runner.py"

# The episodes benchmark's settings (bench/episodes/episodes_bench.cpp), shared
# by both stacks: greedy, at most 3 replies and 384 generated tokens per
# episode, 192 per reply, a 2048-token context per episode, tools limited to
# 5 s of wall time.
MAX_STEPS = 3
MAX_TOKENS = 384
MAX_TOKENS_PER_STEP = 192
CONTEXT_PER_EPISODE = 2048
TOOL_TIMEOUT_S = 5
# The tool probe: the same program through each stack's python tool,
# PROBE_CALLS calls, `parallel` at a time, no model involved, so the tool
# latency is compared even where the model calls one stack's tool rarely.
PROBE_CODE = "print(sum(i * i for i in range(100000)))"
PROBE_CALLS = 64


def fail(message):
    print(f"peers_bench: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=64, help="tasks (episodes per stack), at most 64")
    p.add_argument("--parallel", type=int, default=8, help="episodes in flight; llama-server gets as many slots")
    p.add_argument("--threads", type=int, default=2, help="CPU threads of each engine")
    p.add_argument("--model", default=str(HOME / "models" / "default.gguf"), help="GGUF model")
    p.add_argument("--work", default=str(ROOT / "results" / "peers"), help="folder for tasks, runs and logs")
    p.add_argument("--inspect-tools", choices=["emulated", "native"], default="emulated",
                   help="how Inspect offers the tools: emulated (its own prompt and <tool_call> parser) or native "
                        "(the API's tools field, rendered by the model's chat template through --jinja)")
    p.add_argument("--agentcoder", default=str(ROOT / "build" / "bin" / "agentcoder"), help="the agentcoder binary")
    a = p.parse_args()
    if not 1 <= a.tasks <= 64:
        fail(f"--tasks: {a.tasks} is out of range (1 to 64)")
    if not 1 <= a.parallel <= 64:
        fail(f"--parallel: {a.parallel} is out of range (1 to 64)")
    if not 1 <= a.threads <= 256:
        fail(f"--threads: {a.threads} is out of range (1 to 256)")
    for name in ("model", "agentcoder"):
        if not Path(getattr(a, name)).is_file():
            fail(f"--{name}: {getattr(a, name)}: no such file")
    return a


def run_checked(cmd, **kw):
    r = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if r.returncode != 0:
        fail(f"{' '.join(map(str, cmd[:3]))} ... failed (exit {r.returncode}): {r.stderr.strip()[-2000:]}")
    return r


def percentile(values, q):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(q / 100 * len(v)) - 1)]


def cpu_seconds(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def process_cpu_seconds(pid):
    """utime + stime of a running process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def span_seconds(starts, ends):
    return (max(ends) - min(starts)).total_seconds()


def parse_time(text):
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


# ---------------------------------------------------------------- the tasks


def write_tasks(args, work):
    """The episodes benchmark's tasks: the generator at seed 1, 6 per cell, the first N."""
    generated = work / "generated.jsonl"
    run_checked([args.agentcoder, "data", "generate", "--seed", "1", "--per-cell", "6", "-o", str(generated)])
    lines = [l for l in generated.read_text().splitlines() if l.strip()][: args.tasks]
    if len(lines) < args.tasks:
        fail(f"{generated}: only {len(lines)} tasks generated, {args.tasks} wanted")
    path = work / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, [json.loads(l) for l in lines]


# ---------------------------------------------------------------- ours


def run_ours(args, work, tasks_path):
    config = work / "peers.toml"
    config.write_text(
        f"""# Written by bench/peers/peers_bench.py: bench/episodes' settings as an experiment.
name = "peers"
seed = 1

[data]
tasks = "{tasks_path}"
split = ""
per_cell = 0

[[models]]
name = "peers-model"
path = "{Path(args.model).resolve()}"

[agent]
formats = ["tool_description"]
modes = ["free"]
tools = ["python", "math"]
prompts = "{ROOT / 'experiments' / 'prompts'}"
max_steps = {MAX_STEPS}
max_tokens = {MAX_TOKENS}
max_tokens_per_step = {MAX_TOKENS_PER_STEP}
temperature = 0.0

[engine]
parallel = {args.parallel}
context_per_sequence = {CONTEXT_PER_EPISODE}
threads = {args.threads}

[sandbox]
timeout = {float(TOOL_TIMEOUT_S)}
memory_mb = 256
cpus = 0.5
"""
    )
    results = work / "ours"
    subprocess.run(["rm", "-rf", str(results)], check=True)
    load_before = load()
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    run_checked([args.agentcoder, "run", str(config), "--results", str(results)])
    command_s = time.monotonic() - start
    cpu_s = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    load_after = load()
    run_checked([args.agentcoder, "score", str(results / "peers")])
    db = sqlite3.connect(results / "peers" / "results.sqlite")
    episodes = db.execute(
        "SELECT started_at, finished_at, generated_tokens, queue_ms, prompt_eval_ms, decode_ms, tool_ms, wall_ms, "
        "step_count FROM episodes").fetchall()
    tool_ms = [r[0] for r in db.execute("SELECT wall_ms FROM tool_calls WHERE tool = 'python' AND executed = 1")]
    calls = db.execute("SELECT tool, COUNT(*) FROM tool_calls GROUP BY tool").fetchall()
    correct = [r[0] for r in db.execute("SELECT correct FROM scores")]
    db.close()
    n = len(episodes)
    if n != args.tasks:
        fail(f"{results}: {n} episodes stored, {args.tasks} expected")
    return {
        "episodes": n,
        "span_s": span_seconds([parse_time(e[0]) for e in episodes], [parse_time(e[1]) for e in episodes]),
        "command_s": command_s,
        "cpu_s": cpu_s,
        "load": f"{load_before} before, {load_after} after",
        "python_ms": tool_ms,
        "calls": dict(calls),
        "generated": sum(e[2] for e in episodes) / n,
        "steps": sum(e[8] for e in episodes) / n,
        "correct": sum(1 for c in correct if c == 1),
        "scored": len(correct),
        # Where an episode's time goes (means per episode, ms).
        "where": {k: sum(e[i] for e in episodes) / n
                  for i, k in [(3, "queue"), (4, "prompt_eval"), (5, "decode"), (6, "tool"), (7, "wall")]},
    }


def probe_ours(args):
    import agentcoder
    from concurrent.futures import ThreadPoolExecutor

    tools = agentcoder.Tools(names=["python"], options={"python": {"timeout": float(TOOL_TIMEOUT_S), "memory_mb": 256,
                                                                   "cpus": 0.5}})

    def one(_):
        start = time.monotonic()
        r = tools.call("python", {"code": PROBE_CODE})
        if not r["ok"]:
            fail(f"the tool probe's python call failed: {r['result'][:200]}")
        return (time.monotonic() - start) * 1000

    tools.call("python", {"code": PROBE_CODE})  # the warm sandbox's first start
    with ThreadPoolExecutor(args.parallel) as pool:
        return list(pool.map(one, range(PROBE_CALLS)))


# ---------------------------------------------------------------- theirs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """llama-server on a free local port, stopped (its whole process group) on exit."""

    def __init__(self, binary, args, log_path):
        self.port = free_port()
        self.log = open(log_path, "w")
        cmd = [str(binary), "-m", args.model, "--host", "127.0.0.1", "--port", str(self.port),
               "-np", str(args.parallel), "-c", str(CONTEXT_PER_EPISODE * args.parallel), "--cont-batching",
               "-t", str(args.threads), "-tb", str(args.threads), "-fa", "on", "--jinja", "--no-webui"]
        self.command = " ".join(cmd)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout_s=120):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail(f"llama-server exited with {self.proc.returncode} at start-up, see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        fail(f"llama-server not ready after {timeout_s} s, see {self.log.name}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def build_server():
    r = run_checked(["bash", str(ROOT / "scripts" / "build_llama.sh"), "cpu", "--server"])
    binary = Path(r.stdout.strip().splitlines()[-1]) / "bin" / "llama-server"
    if not binary.is_file():
        fail(f"{binary}: not built")
    return binary


def inspect_task(tasks, system_prompt):
    from inspect_ai import Task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser
    from inspect_ai.solver import solver, use_tools
    from inspect_ai.tool import python, tool
    from inspect_ai.util import sandbox

    math_source = MATH_RUNNER.read_text()

    @tool(name="math")
    def sympy_math():
        async def execute(operation: str, expression: str, variable: str = "", order: int = 1) -> str:
            """Symbolic math with SymPy: evaluate, simplify, solve (an expression equal to zero, or an equation with '='), differentiate or integrate an expression in Python syntax.

            Args:
              operation: One of evaluate, simplify, solve, differentiate, integrate.
              expression: In Python syntax, e.g. sin(x)**2 + 3*x
              variable: The variable to solve for, differentiate or integrate by.
              order: Derivative order.
            """
            # Our math tool's own program, run as Inspect runs code: a fresh
            # python3 in the local sandbox for each call.
            request = {"operation": operation, "expression": expression, "order": order}
            if variable:
                request["variable"] = variable
            r = await sandbox().exec(["python3", "-c", math_source], input=json.dumps(request),
                                     timeout=TOOL_TIMEOUT_S)
            try:
                answer = json.loads(r.stdout)
            except ValueError:
                return f"error: the math program failed: {r.stderr[-500:]}"
            if not answer.get("ok"):
                return f"error: {answer.get('error', '')}"
            if answer.get("solutions") is not None:
                sols = answer["solutions"]
                return " or ".join(f"{answer['variable']} = {s}" for s in sols) or f"no solution for {answer['variable']}"
            return answer["result"]

        return execute

    @solver
    def episode():
        """Our agent's loop in Inspect's terms: at most MAX_STEPS replies and
        MAX_TOKENS generated tokens (MAX_TOKENS_PER_STEP a reply); a reply
        without a tool call ends the episode."""

        async def solve(state, generate):
            used = 0
            for _ in range(MAX_STEPS):
                budget = min(MAX_TOKENS_PER_STEP, MAX_TOKENS - used)
                if budget <= 0:
                    break
                state = await generate(state, tool_calls="single", max_tokens=budget)
                usage = state.output.usage
                used += usage.output_tokens if usage else 0
                if not state.output.message.tool_calls:
                    break
            return state

        return solve

    samples = [Sample(id=t["id"], input=[ChatMessageSystem(content=system_prompt), ChatMessageUser(content=t["prompt"])],
                      target="") for t in tasks]
    return Task(dataset=MemoryDataset(samples), solver=[use_tools(python(timeout=TOOL_TIMEOUT_S), sympy_math()), episode()],
                sandbox="local", name="peers")


def probe_task():
    from inspect_ai import Task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.solver import solver
    from inspect_ai.tool import python

    @solver
    def call_python():
        tool_fn = python(timeout=TOOL_TIMEOUT_S)

        async def solve(state, generate):
            start = time.monotonic()
            out = await tool_fn(code=PROBE_CODE)
            state.metadata["ms"] = (time.monotonic() - start) * 1000
            state.metadata["out"] = str(out)
            return state

        return solve

    samples = [Sample(id=i, input="probe", target="") for i in range(PROBE_CALLS)]
    return Task(dataset=MemoryDataset(samples), solver=[call_python()], sandbox="local", name="peers-tool-probe")


def with_login_home(work, fn):
    """Inspect's python() runs `bash --login -c "python3 -"`: a login shell
    with an empty HOME finds the system python3 (the interpreter our sandbox
    runs), not a per-user shim (pyenv) from the operator's profile."""
    shell_home = work / "inspect-home"
    shell_home.mkdir(exist_ok=True)
    saved_home = os.environ.get("HOME")
    os.environ["HOME"] = str(shell_home)
    try:
        return fn()
    finally:
        if saved_home is not None:
            os.environ["HOME"] = saved_home


def probe_theirs(args, work):
    from inspect_ai import eval as inspect_eval

    logs = with_login_home(work, lambda: inspect_eval(
        probe_task(), model="mockllm/model", max_samples=args.parallel, max_subprocesses=args.parallel,
        max_sandboxes=args.parallel, display="none", log_dir=str(work / "inspect-logs"), log_format="json",
        score=False))
    samples = logs[0].samples or []
    expected = str(sum(i * i for i in range(100000)))
    if logs[0].status != "success" or len(samples) != PROBE_CALLS or any(
            expected not in s.metadata.get("out", "") for s in samples):
        fail(f"the Inspect tool probe failed (status {logs[0].status}); see {work / 'inspect-logs'}")
    return [s.metadata["ms"] for s in samples]


def run_theirs(args, work, tasks, server):
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import GenerateConfig, get_model

    # SmolLM2's chat template does not render tools: llama-server --jinja
    # then drops the API's tools field and the model never sees them
    # (README). Inspect's answer for such models is tool emulation.
    model = get_model("openai-api/llamacpp/peers-model", base_url=f"http://127.0.0.1:{server.port}/v1",
                      api_key="none", config=GenerateConfig(temperature=0.0),
                      emulate_tools=args.inspect_tools == "emulated")
    task = inspect_task(tasks, SYSTEM_PROMPT_FILE.read_text().strip())
    # CPU: llama-server's, Inspect's own (this process) and the tool
    # subprocesses' (children Inspect has waited for; the server is not
    # waited for until it stops).
    load_before = load()
    cpu_before = (process_cpu_seconds(server.proc.pid) + cpu_seconds(resource.RUSAGE_SELF)
                  + cpu_seconds(resource.RUSAGE_CHILDREN))
    start = time.monotonic()
    logs = with_login_home(work, lambda: inspect_eval(
        task, model=model, max_samples=args.parallel, max_connections=args.parallel,
        max_subprocesses=args.parallel, max_sandboxes=args.parallel, display="none",
        log_dir=str(work / "inspect-logs"), log_format="json", score=False, fail_on_error=False))
    command_s = time.monotonic() - start
    cpu_s = (process_cpu_seconds(server.proc.pid) + cpu_seconds(resource.RUSAGE_SELF)
             + cpu_seconds(resource.RUSAGE_CHILDREN)) - cpu_before
    log = logs[0]
    if log.status != "success":
        fail(f"the Inspect eval ended with status {log.status}: {log.error}")
    return log, {"command_s": command_s, "cpu_s": cpu_s, "load": f"{load_before} before, {load()} after"}


def measure_theirs(args, log, tasks):
    import agentcoder

    by_id = {t["id"]: t for t in tasks}
    samples = log.samples or []
    if len(samples) != args.tasks:
        fail(f"the Inspect log has {len(samples)} samples, {args.tasks} expected")
    python_ms, generated, steps, correct, calls = [], [], [], 0, {}
    for s in samples:
        tool_calls = []
        for e in s.events:
            if e.event == "tool":
                calls[e.function] = calls.get(e.function, 0) + 1
                if e.function == "python" and e.completed is not None:
                    python_ms.append((e.completed - e.timestamp).total_seconds() * 1000)
                tool_calls.append({"tool": e.function, "arguments": json.dumps(e.arguments),
                                   "result": str(e.result), "error_class": e.error.type if e.error else ""})
        generated.append(sum(u.output_tokens for u in s.model_usage.values()))
        assistant = [m for m in s.messages if m.role == "assistant"]
        steps.append(len(assistant))
        # As our agent: the answer is the reply without a call that ended the
        # episode; an episode that ran out of replies while calling has none.
        answer = assistant[-1].text if assistant and not assistant[-1].tool_calls else ""
        if agentcoder.score(by_id[s.id], answer, tool_calls)["correct"]:
            correct += 1
    return {
        "episodes": len(samples),
        "span_s": span_seconds([parse_time(s.started_at) for s in samples],
                               [parse_time(s.completed_at) for s in samples]),
        "python_ms": python_ms,
        "calls": calls,
        "generated": sum(generated) / len(samples),
        "steps": sum(steps) / len(samples),
        "correct": correct,
        "scored": len(samples),
    }


# ---------------------------------------------------------------- report


def print_table(args, ours, theirs, server_command):
    def fmt(v):
        return "-" if v is None else f"{v:.1f}"

    print(f"model {args.model}, {args.tasks} tasks, free mode, python + math tools, parallel {args.parallel}, "
          f"{args.threads} threads, greedy, <= {MAX_STEPS} replies / {MAX_TOKENS} tokens an episode")
    print(f"llama-server: {server_command}")
    print(f"Inspect's tools: {args.inspect_tools}\n")
    print("| stack | episodes/s | vs Inspect | CPU s / episode | generated tok/s | tokens / episode | replies / episode "
          "| python calls in episodes | in-episode p50 / p95 ms | probe p50 / p95 ms | accuracy (our scorer) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    base = theirs["episodes"] / theirs["span_s"]
    for name, r in [("agentcoder run", ours), ("Inspect AI + llama-server", theirs)]:
        eps = r["episodes"] / r["span_s"]
        print(f"| {name} | {eps:.3f} | {eps / base:.2f} | {r['cpu_s'] / r['episodes']:.2f} "
              f"| {r['generated'] * r['episodes'] / r['span_s']:.1f} "
              f"| {r['generated']:.1f} | {r['steps']:.2f} | {len(r['python_ms'])} "
              f"| {fmt(percentile(r['python_ms'], 50))} / {fmt(percentile(r['python_ms'], 95))} "
              f"| {fmt(percentile(r['probe_ms'], 50))} / {fmt(percentile(r['probe_ms'], 95))} "
              f"| {r['correct']}/{r['scored']} |")
    print(f"\nours / Inspect episodes/s: {ours['episodes'] / ours['span_s'] / base:.2f}")
    print(f"episodes/s: episodes over the span from the first episode's start to the last one's end, from each "
          f"stack's own records ({ours['span_s']:.1f} s and {theirs['span_s']:.1f} s); the whole commands took "
          f"{ours['command_s']:.1f} s (agentcoder run, with model load) and {theirs['command_s']:.1f} s (Inspect's "
          f"eval(), server already up)")
    print(f"probe: {PROBE_CALLS} calls of {PROBE_CODE!r} through each stack's python tool, {args.parallel} at a time, "
          f"timed around the call")
    print(f"CPU s / episode: the agentcoder run process and its children; llama-server + the Inspect process + "
          f"its tool subprocesses, over the eval")
    print(f"machine load: ours {ours['load']}; Inspect {theirs['load']}")
    print(f"tool calls by name: ours {ours['calls']}, Inspect {theirs['calls']}")
    w = ours["where"]
    print(f"ours, mean ms per episode: wall {w['wall']:.0f} = queue {w['queue']:.0f} + prompt eval "
          f"{w['prompt_eval']:.0f} + decode {w['decode']:.0f} + tools {w['tool']:.0f} (+ the rest: parsing, scheduling)")


def main():
    args = parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # A SIGTERM (or a CI timeout) unwinds through the finally below, so the
    # server never outlives the script.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # Both stacks' OpenMP threads wait alike: agentcoder makes its own passive
    # unless this is set (src/models/llama_runtime.h), llama-server inherits it.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    tasks_path, tasks = write_tasks(args, work)
    sys.path.insert(0, str(ROOT / "build" / "python"))
    binary = build_server()

    print(f"ours: agentcoder run on {args.tasks} tasks ...", file=sys.stderr, flush=True)
    ours = run_ours(args, work, tasks_path)
    ours["probe_ms"] = probe_ours(args)

    print("theirs: llama-server + Inspect AI ...", file=sys.stderr, flush=True)
    server = LlamaServer(binary, args, work / "llama-server.log")
    try:
        server.wait_ready()
        log, timing = run_theirs(args, work, tasks, server)
    finally:
        server.stop()
    theirs = measure_theirs(args, log, tasks) | timing
    theirs["probe_ms"] = probe_theirs(args, work)
    print_table(args, ours, theirs, server.command)


if __name__ == "__main__":
    main()
