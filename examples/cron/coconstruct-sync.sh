#!/usr/bin/env bash
# Cron wrapper for `coconstruct run`: one run at a time (flock), a timestamped log per run,
# the run's exit status kept (cron mails / monitors see failures), 30 days of logs.
#
#   COCONSTRUCT_HOME  folder holding .dlt/ (config.toml, secrets.toml) and tenants.toml
#   COCONSTRUCT_BIN   the console script (default: coconstruct on PATH, e.g. a venv's bin/)
#   extra arguments go to `coconstruct run` (default: --tenants-file tenants.toml)
set -euo pipefail

home="${COCONSTRUCT_HOME:-/opt/coconstruct}"
bin="${COCONSTRUCT_BIN:-coconstruct}"
log_dir="${COCONSTRUCT_LOG_DIR:-$home/logs}"
lock="${COCONSTRUCT_LOCK:-$home/.coconstruct-run.lock}"
keep_days="${COCONSTRUCT_KEEP_LOG_DAYS:-30}"
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

cd "$home"
mkdir -p "$log_dir"
if [ "$#" -eq 0 ]; then
  set -- --tenants-file tenants.toml
fi

exec 9>"$lock"
if ! flock -n 9; then
  echo "$(now) previous run still in progress; this one skipped" >>"$log_dir/skipped.log"
  exit 0
fi

log="$log_dir/run-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "$(now) start: $bin run --no-progress $*" >>"$log"
status=0
"$bin" run --no-progress "$@" >>"$log" 2>&1 || status=$?
echo "$(now) exit $status" >>"$log"
if [ "$status" -ne 0 ]; then
  # one line on stderr so cron's mail (MAILTO) says which run to look at
  echo "coconstruct run failed (exit $status), see $log" >&2
fi
find "$log_dir" -name 'run-*.log' -mtime +"$keep_days" -delete 2>/dev/null || true
exit "$status"
