#!/usr/bin/env bash
# `agentcoder slurm --submit` on a real one-node Slurm cluster
# (one_node_cluster.sh), on the tiny model:
# 1. a 3-shard job array and its merge job reproduce the unsharded run
#    episode for episode (`agentcoder trace diff`); prints both wall times;
# 2. one array task requeued mid-run (scontrol requeue kills and requeues
#    it) resumes its shard, and the merged file holds every episode once.
# Usage: slurm_test.sh AGENTCODER TINY_MODEL PROMPTS_DIR. Exit 77 (skipped)
# only when slurmd cannot run on this machine; a missing Slurm install fails
# (scripts/setup.sh installs slurm-wlm and munge).
set -euo pipefail
bin=$1 model=$2 prompts=$3
here=$(cd "$(dirname "$0")" && pwd)
source "$here/one_node_cluster.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo python3; do
  command -v "$c" >/dev/null || fail "$c is not installed (scripts/setup.sh installs slurm-wlm and munge)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentcoder-slurm-XXXXXX")
chmod 755 "$tmp"
trap 'cluster_stop; rm -rf "$tmp"' EXIT
rc=0
cluster_start "$tmp/cluster" || rc=$?
if [ "$rc" -eq 77 ]; then echo "SKIP: slurmd cannot run here (reason above)"; exit 77; fi
[ "$rc" -eq 0 ] || fail "the one-node cluster did not start"

"$bin" data generate --seed 3 --per-cell 1 -o "$tmp/tasks.jsonl" >/dev/null
# 12 tasks x 1 format x 3 modes = 36 episodes; one thread each, as a 1-CPU array task gets.
cfg=$tmp/sharded.toml
cat > "$cfg" <<CONF
name = "sharded"
seed = 5
[data]
tasks = "$tmp/tasks.jsonl"
[[models]]
name = "tiny"
path = "$model"
[agent]
formats = ["direct"]
modes = ["free", "force_tool", "force_text"]
tools = ["python"]
prompts = "$prompts"
max_steps = 2
max_tokens = 96
max_tokens_per_step = 48
[engine]
parallel = 2
context_per_sequence = 1024
threads = 1
CONF

now() { date +%s.%N; }
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }
# Waits until job $1 (the merge job) has ended; prints its state.
wait_job() {
  local state
  for _ in $(seq 1 1200); do
    state=$(job_state "$1")
    case "$state" in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|DEADLINE) echo "$state"; return;;
    esac
    sleep 0.25
  done
  echo "STILL_${state:-UNKNOWN}"
}
# On a failure: the shards' logs, the queue, every job's record and the
# controller's log (the temporary directory goes with the test).
show_logs() {
  tail -n 20 "$1"/sharded/slurm/*.log >&2 || true
  squeue >&2 || true
  scontrol show job >&2 || true
  tail -n 60 "$tmp/cluster/slurmctld.log" >&2 || true
}
submit() {  # $1: results dir; sets array and merge
  "$bin" slurm "$cfg" --shards 3 --cpus-per-task 1 --results "$1" --submit > "$1.submit" \
    || fail "agentcoder slurm --submit: $(cat "$1.submit")"
  array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$1.submit")
  merge=$(sed -n 's/^merge job \([0-9]*\):.*/\1/p' "$1.submit")
  [ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in: $(cat "$1.submit")"
}
stored() {  # episodes, distinct keys and sessions of the only run in file $1
  python3 - "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
n, distinct = con.execute("select count(*), count(distinct episode_key) from episodes").fetchone()
sessions = con.execute("select count(*) from sessions").fetchone()[0]
print(n, distinct, sessions)
PY
}

# The same config unsharded, in one process.
t0=$(now)
"$bin" run "$cfg" --results "$tmp/whole" > "$tmp/whole.out" 2>&1 || fail "unsharded run: $(tail -n 3 "$tmp/whole.out")"
t1=$(now)

echo "case 1: 3 shards as a job array, then the merge job"
submit "$tmp/array"
state=$(wait_job "$merge")
t2=$(now)
[ "$state" = COMPLETED ] || { show_logs "$tmp/array"; fail "merge job $merge ended $state"; }
"$bin" trace diff "$tmp/whole/sharded" "$tmp/array/sharded" > "$tmp/diff1.out" 2>&1 \
  || { cat "$tmp/diff1.out" >&2; fail "the merged run differs from the unsharded one"; }
read -r n distinct _ <<<"$(stored "$tmp/array/sharded/results.sqlite")"
[ "$n" = 36 ] && [ "$distinct" = 36 ] || fail "merged file: $n episodes, $distinct distinct (want 36)"
echo "wall time: unsharded $(python3 -c "print(f'{$t1 - $t0:.1f}')") s; 3 shards on Slurm, submit to merged $(python3 -c "print(f'{$t2 - $t1:.1f}')") s"

echo "case 2: shard 2 requeued mid-run"
submit "$tmp/requeue"
shard="$tmp/requeue/sharded/shards/2-of-3"
caught=0
for _ in $(seq 1 2400); do
  [ -f "$shard/shard.json" ] && break
  if [ -f "$shard/results.sqlite" ]; then
    read -r n _ _ <<<"$(stored "$shard/results.sqlite" 2>/dev/null || echo 0 0 0)"
    if [ "${n:-0}" -ge 1 ]; then
      # It starts again after the cluster's cred_expire (10 s, one_node_cluster.sh).
      scontrol requeue "${array}_2" || fail "scontrol requeue ${array}_2 failed"
      caught=$n
      break
    fi
  fi
  sleep 0.05
done
[ "$caught" -ge 1 ] || fail "shard 2 finished before it could be requeued mid-run"
t3=$(now)
echo "requeued ${array}_2 with $caught episodes stored"
state=$(wait_job "$merge")
t4=$(now)
echo "requeue to merged: $(python3 -c "print(f'{$t4 - $t3:.1f}')") s"
[ "$state" = COMPLETED ] || { show_logs "$tmp/requeue"; fail "merge job $merge ended $state after the requeue"; }
read -r n distinct sessions <<<"$(stored "$shard/results.sqlite")"
[ "$sessions" -ge 2 ] || fail "shard 2 has $sessions session(s): it did not resume after the requeue"
grep -q "restart 1" "$tmp/requeue/sharded/slurm/shard-2.log" || fail "shard 2's log shows no restart"
read -r n distinct _ <<<"$(stored "$tmp/requeue/sharded/results.sqlite")"
[ "$n" = 36 ] && [ "$distinct" = 36 ] || fail "after the requeue: $n episodes, $distinct distinct (want 36 once each)"
"$bin" trace diff "$tmp/whole/sharded" "$tmp/requeue/sharded" > "$tmp/diff2.out" 2>&1 \
  || { cat "$tmp/diff2.out" >&2; fail "the merged run after a requeue differs from the unsharded one"; }
echo "PASS"
