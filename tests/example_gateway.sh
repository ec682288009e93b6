#!/usr/bin/env bash
# tests/example_gateway.sh OFC GATEWAY: the example gateway (examples/gateway.c, linked with
# ofc_verify alone) verifies what `ofc send --dry-run` signs: a valid command, its replay, a
# tampered copy, one from a key the trust store does not hold, and an unsigned upstream one,
# each with its own verdict.
set -euo pipefail
ofc=$1
gateway=$2
work=$(mktemp -d /tmp/ofc-example-gateway.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$ofc" keygen --operator alice --no-passphrase --out alice.key >/dev/null
"$ofc" keygen --operator mallory --no-passphrase --out mallory.key >/dev/null
echo "$(cat alice.key.pub) roles=operator methods=SwitchMode assets=LAB-1" > trust.keys
chmod 600 trust.keys

# key<TAB>record, as kcat prints ofa_assets with -f '%k\t%s\n'
line() { # key file, method, argument
  "$ofc" send --key "$1" --asset LAB-1 --method "$2" --arg "NewMode=$3" --reason test --dry-run |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["key"] + "\t" + d["record"])'
}
good=$(line alice.key SwitchMode MANUAL)
{
  echo "$good"
  echo "$good"                                  # the same command again
  echo "${good/MANUAL/AUTOMATIC}"               # an argument changed after signing
  line mallory.key SwitchMode MANUAL            # a key nobody trusts
  line alice.key ResetController X              # a method alice may not invoke
  printf 'LAB-1\t{"ID":"SwitchMode_CMD","VALUE":"{\\"header\\":{\\"correlation_id\\":\\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\\",\\"sender_uuid\\":\\"x\\",\\"timestamp\\":\\"2026-08-10T09:15:02.417000Z\\",\\"signature\\":null},\\"arguments\\":{}}","TAG":"Method.Command","TYPE":"OpenFactory"}\n'
} > records

status=0
"$gateway" trust.keys < records > verdicts || status=$?
cat verdicts
[ "$status" -eq 1 ] || { echo "exit status $status, expected 1 (some invalid)" >&2; exit 1; }
expected="valid replayed bad_signature unknown_key policy_denied unsigned"
got=$(cut -d' ' -f1 verdicts | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$expected" ] || { echo "verdicts: $got; expected: $expected" >&2; exit 1; }
grep -q '^valid operator=alice method=SwitchMode target=LAB-1 correlation_id=' verdicts

# only valid commands: exit status 0
"$gateway" trust.keys < <(line alice.key SwitchMode MANUAL) >/dev/null
echo "example gateway: all verdicts as expected"
