import subprocess
import sys
import threading

import pytest

import agentcoder


def test_the_issue_one_liner_prints_42():
    # The check the issue names, in a fresh interpreter of this environment.
    out = subprocess.run([sys.executable, "-c", "import agentcoder; print(agentcoder.Sandbox().run('print(6*7)').stdout)"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "42"


def test_import_makes_openmp_threads_passive_unless_chosen():
    # llama.cpp's OpenMP threads read this when the extension loads (src/models/llama_runtime.h).
    import os
    code = "import os, agentcoder; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    unset = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.strip() == "passive"
    chosen = subprocess.run([sys.executable, "-c", code], env={**env, "OMP_WAIT_POLICY": "active"},
                            capture_output=True, text=True, timeout=120)
    assert chosen.stdout.strip() == "active", chosen.stderr


def test_result_has_the_cli_json_fields(sandbox):
    r = sandbox.run("import sys; print(input()); sys.stderr.write('e'); sys.exit(3)", stdin="hello")
    assert r.exit_code == 3 and r.stdout == "hello\n" and r.stderr == "e"
    assert not r.succeeded and r.warm
    d = r.to_dict()
    # The keys and order of `agentcoder sandbox run --json` (cli/sandbox_command.cpp).
    assert list(d) == ["exit_code", "signal", "timed_out", "oom_killed", "stdout", "stderr", "stdout_truncated",
                       "stderr_truncated", "wall_seconds", "cpu_seconds", "peak_memory_bytes",
                       "missing_protections", "warm"]
    assert d["exit_code"] == 3 and d["peak_memory_bytes"] > 0


def test_limits_are_enforced(sandbox):
    r = sandbox.run("while True: pass", timeout=0.5)
    assert r.timed_out and r.exit_code == -1
    r = sandbox.run("x = bytearray(200 << 20)", memory_mb=64)
    assert r.oom_killed or r.exit_code != 0


def test_isolated(sandbox):
    r = sandbox.run("import socket\ns = socket.create_connection(('1.1.1.1', 53), timeout=1)")
    assert r.exit_code != 0
    r = sandbox.run("import os; print(os.getuid(), os.path.exists('/root'))")
    assert r.stdout.split()[0] == "1000"


def test_bytes_stdin_and_output(sandbox):
    r = sandbox.run("import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])", stdin=b"\xff\x00ab")
    assert r.stdout_bytes == b"ba\x00\xff"
    assert r.stdout == "ba\x00\ufffd"


def test_bad_limits_raise_value_error(sandbox):
    with pytest.raises(ValueError, match=r"^sandbox limits: wall time must be in \(0, 86400\] seconds$"):
        sandbox.run("pass", timeout=0)
    with pytest.raises(ValueError, match=r"^sandbox limits: memory must be between 16 and 1048576 \(MB\)$"):
        sandbox.run("pass", memory_mb=float("nan"))
    with pytest.raises(ValueError, match=r"^sandbox limits: cpus"):
        sandbox.run("pass", cpus=-1)


def test_eight_threads_run_at_once():
    # The GIL is released during a run, so 8 threads' runs overlap: each
    # program prints when it started and ended (the host's clock), and all
    # 8 must have been running at one moment. Held serially, none overlap.
    box = agentcoder.Sandbox(max_concurrent_runs=8)
    results = [None] * 8

    def work(i, code):
        results[i] = box.run(code, timeout=30, cpus=0.1)

    def batch(code):
        threads = [threading.Thread(target=work, args=(i, code)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    batch("pass")  # starts the 8 slots
    batch("import time; a = time.time(); time.sleep(3); print(a, time.time())")
    spans = [tuple(map(float, r.stdout.split())) for r in results]
    assert max(start for start, _ in spans) < min(end for _, end in spans), spans
