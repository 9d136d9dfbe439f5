#!/usr/bin/env bash
# A single-node Slurm cluster on loopback, for the cluster tests and for trying the `slurm` launcher.
#
#   scripts/local-slurm.sh start    # munged + slurmctld + slurmd on 127.0.0.1; waits until idle
#   scripts/local-slurm.sh stop     # stops what start started (by pid files)
#   scripts/local-slurm.sh status   # sinfo
#   eval "$(scripts/local-slurm.sh env)"   # export SLURM_CONF for sbatch/squeue/submitit
#
# Needs Debian's slurm-wlm and munge (.ci/system-deps installs them) and root. Known to work:
# Slurm 22.05, no cgroup.conf, ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
# SlurmUser=root, node and controller on 127.0.0.1. Everything lives in $WIJKSIM_SLURM_DIR
# (default /tmp/wijksim-slurm); the system's /etc/slurm is not touched (SLURM_CONF points here).
set -euo pipefail
DIR=${WIJKSIM_SLURM_DIR:-/tmp/wijksim-slurm}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

die() { echo "local-slurm: $*" >&2; exit 1; }

write_conf() {
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge"
  cat > "$CONF" <<CONF
# written by scripts/local-slurm.sh
ClusterName=wijksim
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldPort=${WIJKSIM_SLURMCTLD_PORT:-6817}
SlurmdPort=${WIJKSIM_SLURMD_PORT:-6818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
}

start_munge() {
  if [ -f "$DIR/munge/munged.pid" ] && kill -0 "$(cat "$DIR/munge/munged.pid")" 2>/dev/null; then
    return
  fi
  [ -r /etc/munge/munge.key ] || die "no /etc/munge/munge.key (is munge installed? run .ci/system-deps)"
  mkdir -p /run/munge "$DIR/munge"
  chown munge:munge /run/munge 2>/dev/null || true
  # Our own socket so a system munged (if any) is not disturbed.
  if id munge >/dev/null 2>&1; then chown munge:munge "$DIR/munge"; fi
  runuser -u munge -- /usr/sbin/munged --socket="$DIR/munge/munge.socket" \
      --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
      --seed-file="$DIR/munge/munged.seed" 2>/dev/null \
    || /usr/sbin/munged --force --socket="$DIR/munge/munge.socket" \
      --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
      --seed-file="$DIR/munge/munged.seed"
}

start() {
  command -v slurmctld >/dev/null || die "slurmctld not found: install slurm-wlm (run .ci/system-deps)"
  write_conf
  echo "AuthInfo=socket=$DIR/munge/munge.socket" >> "$CONF"
  start_munge
  if ! { [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; }; then
    slurmctld -f "$CONF" -i
  fi
  if ! { [ -f "$DIR/slurmd.pid" ] && kill -0 "$(cat "$DIR/slurmd.pid")" 2>/dev/null; }; then
    slurmd -f "$CONF" -N localhost
  fi
  local t=0
  until sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; do
    t=$((t + 1))
    if [ $t -gt ${WIJKSIM_SLURM_WAIT:-60} ]; then
      echo "--- slurmctld.log"; tail -20 "$DIR/slurmctld.log" 2>/dev/null
      echo "--- slurmd.log"; tail -20 "$DIR/slurmd.log" 2>/dev/null
      die "node did not become idle in ${WIJKSIM_SLURM_WAIT:-60} s"
    fi
    scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  echo "local-slurm: up (SLURM_CONF=$CONF), after ${t} s"
}

stop_pid() {
  local f=$1
  if [ -f "$f" ]; then
    local pid
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  fi
}

stop() {
  scancel --user=root >/dev/null 2>&1 || true
  stop_pid "$DIR/slurmd.pid"
  stop_pid "$DIR/slurmctld.pid"
  stop_pid "$DIR/munge/munged.pid"
  echo "local-slurm: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
