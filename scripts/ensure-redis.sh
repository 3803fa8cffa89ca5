#!/usr/bin/env bash
# Starts a throwaway redis-server on a free local port (installing Debian's package first when missing, via
# scripts/ensure-redis-binary.sh) and prints its URL, for running the Redis store tests against a shared server:
#   export REDIS_URL=$(bash scripts/ensure-redis.sh) && npx vitest run test/policy/redis-store.test.ts
# The tests do not need it: without REDIS_URL they start and stop their own server. Stop it with
#   redis-cli -u "$REDIS_URL" shutdown nosave
set -eu
cd "$(dirname "$0")/.."
bash scripts/ensure-redis-binary.sh >&2
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
for _ in $(seq 1 50); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "redis://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not start on port $port" >&2
exit 1
