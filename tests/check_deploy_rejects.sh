#!/usr/bin/env bash
# tests/check_deploy_rejects.sh: packaging/check-deploy accepts our app definition and rejects each
# mistake OpenFactory's `ofa apps up` would reject (so a passing check means something).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=$root/packaging/check-deploy
app=$root/packaging/openfactory/app_ofconsole_web.yml
work=$(mktemp -d /tmp/ofc-check-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$check" "$app" >/dev/null

expect_reject() { # name, sed expression
  local f=$work/app_$1.yml
  sed "$2" "$app" > "$f"
  if "$check" "$f" >/dev/null 2>"$work/err"; then
    echo "check-deploy accepted $1" >&2
    exit 1
  fi
  echo "rejected $1: $(cat "$work/err")"
}
expect_reject equals_in_env 's|OFC_WEB_USERS=/etc|OFC_WEB_USERS=a=b/etc|'
expect_reject unknown_key 's|    image_pull|    image_pull|; s|^    uuid: OFCONSOLE-WEB|    uuid: OFCONSOLE-WEB\n    secrets: x|'
expect_reject port_in_env 's|      - OFC_LOG_LEVEL|      - PORT=9000\n      - OFC_LOG_LEVEL|'
expect_reject no_networks '/^    networks:/,/factory-net/d'
expect_reject bad_mount 's|mount_point: /etc/ofconsole/secrets|mount_point: ../secrets|'
expect_reject local_storage 's|type: nfs|type: local|'
cp "$app" "$work/ofconsole.yml"
if "$check" "$work/ofconsole.yml" >/dev/null 2>&1; then
  echo "check-deploy accepted a file not named app_*.yml" >&2
  exit 1
fi
echo "check-deploy rejects every broken variant"
