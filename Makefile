# Thin wrapper over scripts/ and CMake. `make run` is the main job, `make test`
# runs every test; both set up what is missing first (idempotent).
.PHONY: setup run demo test bench clean

setup:
	./scripts/setup.sh

run: setup
	./build/bin/agentcoder run experiments/baseline.toml --resume
	./build/bin/agentcoder trace show results/baseline | head -30
	./build/bin/agentcoder score results/baseline
	./build/bin/agentcoder report results/baseline -o results/baseline/report

demo: setup
	./build/bin/agentcoder generate --tools experiments/tools/python.json --fenced-code \
	  --max-tokens 200 -p "Compute the sum of the squares of the integers from 1 to 100."

test: setup
	cd build && ctest --output-on-failure --timeout 600 -j2

bench: setup
	./build/bin/engine_bench
	./build/bench/sandbox/sandbox_bench
	./build/bin/episodes_bench

clean:
	rm -rf build
