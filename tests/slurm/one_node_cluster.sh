# A throwaway one-node Slurm cluster on this machine, for tests: munged,
# slurmctld and slurmd with their config, key, sockets, state and logs in one
# temporary directory, on free ports, no cgroups (proctrack/linuxproc,
# task/none), no accounting database. Source it, then:
#   cluster_start DIR    starts the daemons, exports SLURM_CONF, waits for the node to be idle
#   cluster_stop         stops what cluster_start started (call it from an EXIT trap)
# cluster_start returns 77 with the reason on stderr when slurmd cannot run here.

cluster_pids=()

cluster_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cluster_start() {
  local dir=$1
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  # --force: the temporary directory's parents are not munged's usual root-owned ones.
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.sock" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
    || { echo "munged did not start: $(tail -n 3 "$dir/munge/munged.log" 2>/dev/null)" >&2; return 1; }
  cluster_pids+=("$(cat "$dir/munge/munged.pid")")

  local host node
  host=$(hostname -s)
  node=$(slurmd -C | head -n 1)  # this machine's CPUs, sockets and memory as slurmd sees them
  cat > "$dir/slurm.conf" <<CONF
ClusterName=agentcoder-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmctldPort=$(cluster_free_port)
SlurmdPort=$(cluster_free_port)
AuthType=auth/munge
# cred_expire: how long a requeued job waits before it starts again (120 s by
# default). The wait is needed: slurmd refuses a credential issued in the
# second its old one was revoked ("Job credential revoked"), and the job fails.
AuthInfo=socket=$dir/munge/munge.sock,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
SchedulerParameters=bf_interval=1,sched_interval=1
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -D -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
  cluster_pids+=($!)
  slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
  cluster_pids+=($!)
  local slurmd_pid=$!
  for _ in $(seq 1 60); do
    if ! kill -0 "$slurmd_pid" 2>/dev/null; then
      echo "slurmd cannot run on this machine: $(tail -n 3 "$dir/slurmd.log" "$dir/slurmd.out" 2>/dev/null | tr '\n' ' ')" >&2
      return 77
    fi
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0
    sleep 0.5
  done
  echo "the one-node cluster did not come up in 30 s: $(sinfo 2>&1 | tail -n 2 | tr '\n' ' ')" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2
  return 1
}

cluster_stop() {
  local pid
  for pid in "${cluster_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  cluster_pids=()
}
