#!/usr/bin/env bash
# Makes sure a redis-server binary exists for the Redis budget store tests (the tests start and stop
# their own server on a free local port). Installs Debian's package when missing and apt works.
set -u
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server present: $(redis-server --version | head -n 1)"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing redis-server from Debian's packages"
  (apt-get install -y -q redis-server >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q redis-server >/dev/null 2>&1)) || true
fi
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server installed: $(redis-server --version | head -n 1)"
  exit 0
fi
echo "redis-server could not be installed" >&2
exit 1
