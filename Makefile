# Thin wrapper over scripts/ and CMake. `make run` is the main job, `make test`
# runs every test; both set up what is missing first (idempotent).
# Recipes run in bash with -euo pipefail, so a failing command anywhere in a
# pipeline fails the target.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Parallel jobs: AGENTCODER_JOBS from the environment, else scripts/common.sh's
# default (the one place it is set).
JOBS := $(shell source ./scripts/common.sh && echo "$$AGENTCODER_JOBS")

.PHONY: setup run demo test test-sanitize fuzz bench clean

setup:
	./scripts/setup.sh

# trace show has no row limit; it writes the whole table to a file first, so
# its own failure fails the target and head's early exit cannot (SIGPIPE).
run: setup
	./build/bin/agentcoder run experiments/baseline.toml --resume
	./build/bin/agentcoder trace show results/baseline > results/baseline/episodes.txt
	head -n 30 results/baseline/episodes.txt
	@echo "(every episode: results/baseline/episodes.txt)"
	./build/bin/agentcoder score results/baseline
	./build/bin/agentcoder report results/baseline -o results/baseline/report

demo: setup
	./build/bin/agentcoder generate --tools experiments/tools/python.json --fenced-code \
	  --max-tokens 200 -p "Compute the sum of the squares of the integers from 1 to 100."

# Every test: the tests on the normal build (setup creates the Python
# environment, so the tests labelled python must run here rather than skip),
# then the unit tests again under ASan and UBSan, then each libFuzzer target
# for 10 s. The last two share one clang build, build-asan/
# (scripts/build_sanitized.sh).
test: setup
	cd build && AGENTCODER_REQUIRE_PYTHON_ENV=1 ctest --output-on-failure --timeout 600 -j$(JOBS)
	./scripts/test_sanitized.sh
	./scripts/fuzz.sh 10

# The sanitized part of `make test` alone (scripts/test_sanitized.sh says
# what it leaves out and why).
test-sanitize: setup
	./scripts/test_sanitized.sh

# Each fuzz target for 10 minutes; new inputs collect in build-asan/corpus/.
fuzz: setup
	./scripts/fuzz.sh 600

bench: setup
	./build/bin/engine_bench
	./build/bench/sandbox/sandbox_bench
	if [ "$$(id -u)" = 0 ]; then ./build/bench/sandbox/cache_channel_bench; \
	else echo "cache_channel_bench: skipped: it needs root (it writes a file under /usr/local/share)"; fi
	./build/bin/episodes_bench
	PYTHONPATH=build/python $${AGENTCODER_HOME:-$$HOME/.cache/agentcoder}/venv/bin/python bench/python/python_bench.py
	$${AGENTCODER_HOME:-$$HOME/.cache/agentcoder}/venv/bin/python bench/peers/peers_bench.py

clean:
	rm -rf build build-asan
