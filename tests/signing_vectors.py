#!/usr/bin/python3
"""An independent implementation of ofconsole's command signing (docs/command-signing.md).

Written from the specification, not from the C code, with PyNaCl (libsodium's Python binding):
  signing_vectors.py generate          print test vectors (tests/data/signing/vectors.json)
  signing_vectors.py verify FILE       verify signed records, one JSON object per line:
                                       {"key": <target>, "record": <record JSON text>,
                                        "public": <base64 public key>}
  signing_vectors.py check-vectors F   regenerate the vectors and compare them with file F
  signing_vectors.py bench FILE        verify FILE's records as fast as Python can, print the rate
  signing_vectors.py verify-ofc OFC    sign commands with the real `ofc` (keygen + send --dry-run)
                                       and verify every one of them here
Exit status 0 when every signature verifies.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import nacl.signing

DOMAIN = "ofconsole-command-v1"


def strip(s):
    # The receiver (pydantic str_strip_whitespace) uses Python's str.strip().
    return s.strip()


def field(label, value):
    b = strip(value).encode("utf-8")
    return label.encode() + b":" + str(len(b)).encode() + b":" + b + b"\n"


def canonical(target, method, correlation_id, sender, timestamp, reason, arguments):
    out = DOMAIN.encode() + b"\n"
    out += field("target", target)
    out += field("method", method)
    out += field("correlation_id", correlation_id)
    out += field("sender", sender)
    out += field("timestamp", timestamp)
    out += field("reason", reason)
    args = sorted((strip(k).encode("utf-8"), strip(v).encode("utf-8")) for k, v in arguments.items())
    out += b"arguments:" + str(len(args)).encode() + b"\n"
    for name, value in args:
        out += b"arg:" + str(len(name)).encode() + b":" + name + b"=" + str(len(value)).encode() + b":" + value + b"\n"
    return out


def key_id(public):
    return hashlib.blake2b(public, digest_size=32).hexdigest()[:16]


def record_fields(target, record_text):
    record = json.loads(record_text)
    fields = {k.lower(): v for k, v in record.items()}
    assert fields["type"] == "OpenFactory" and fields["tag"] == "Method.Command"
    assert fields["id"].endswith("_CMD")
    envelope = json.loads(fields["value"])
    assert set(envelope) <= {"header", "arguments"}, "extra envelope fields"
    header = envelope["header"]
    assert set(header) == {"correlation_id", "sender_uuid", "timestamp", "signature"}
    arguments = envelope.get("arguments", {})
    assert all(isinstance(v, str) for v in arguments.values())
    reason = (fields.get("attributes") or {}).get("ofc_reason", "")
    return dict(target=target, method=fields["id"][:-4], correlation_id=header["correlation_id"],
                sender=header["sender_uuid"], timestamp=header["timestamp"], reason=reason,
                arguments=arguments), header["signature"]


def verify_record(target, record_text, public_b64):
    public = base64.b64decode(public_b64)
    f, signature = record_fields(target, record_text)
    alg, kid, sig64 = signature.split(":")
    assert alg == "ed25519", alg
    assert kid == key_id(public), "key id does not match the public key"
    message = canonical(**f)
    nacl.signing.VerifyKey(public).verify(message, base64.b64decode(sig64))
    return f


def check_vectors(path):
    import io
    import contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        generate()
    with open(path, encoding="utf-8") as f:
        committed = f.read()
    if buf.getvalue() != committed:
        print("the committed vectors differ from the specification's output", file=sys.stderr)
        sys.exit(1)
    for v in json.loads(committed)["vectors"]:
        verify_record(v["target"], v["record"], v["public"])
    print("vectors match the specification and verify with PyNaCl")


def generate():
    cases = [
        dict(seed=bytes([0x11]) * 32, target="VIRTUAL-BARCODE-READER", method="GenerateCode",
             correlation_id="3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a", sender="alice",
             timestamp="2026-08-10T09:15:02.417000Z", reason="test read for line 2",
             arguments={"Code": "400638133393"}),
        dict(seed=bytes(range(32)), target="TEMP-CTRL-001", method="SwitchMode",
             correlation_id="0f6a1c2e-9b1d-4e8a-a3f2-5c7d9e1b2a40", sender="ops.night-shift@plant",
             timestamp="2026-11-24T21:03:00.000000Z", reason="  hold temperature during maintenance  ",
             arguments={"NewMode": " MANUAL ", "Ramp": "5", "Note": "été\u00a0"}),
        dict(seed=bytes([0xA5]) * 32, target="CNC-001", method="ResetController",
             correlation_id="a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", sender="bob",
             timestamp="2026-11-24T21:03:00.000000Z", reason="", arguments={}),
    ]
    vectors = []
    for c in cases:
        sk = nacl.signing.SigningKey(c["seed"])
        public = bytes(sk.verify_key)
        fields = {k: c[k] for k in ("target", "method", "correlation_id", "sender", "timestamp",
                                   "reason", "arguments")}
        message = canonical(**fields)
        sig = sk.sign(message).signature
        signature = "ed25519:%s:%s" % (key_id(public), base64.b64encode(sig).decode())
        envelope = {"header": {"correlation_id": c["correlation_id"], "sender_uuid": c["sender"],
                               "timestamp": c["timestamp"], "signature": signature},
                    "arguments": c["arguments"]}
        record = {"ID": c["method"] + "_CMD", "VALUE": json.dumps(envelope, separators=(",", ":"), ensure_ascii=False),
                  "TAG": "Method.Command", "TYPE": "OpenFactory",
                  "attributes": {"timestamp": c["timestamp"][:23] + "Z", "ofc_reason": c["reason"]}}
        vectors.append(dict(seed=base64.b64encode(c["seed"]).decode(), public=base64.b64encode(public).decode(),
                            key_id=key_id(public), **fields,
                            canonical=message.decode("utf-8"), signature=signature,
                            record=json.dumps(record, separators=(",", ":"), ensure_ascii=False)))
    json.dump({"format": "ofconsole-command-signing-vectors/1", "vectors": vectors}, sys.stdout,
              indent=2, ensure_ascii=False)
    print()


def verify_file(path):
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                verify_record(item["key"], item["record"], item["public"])
                n += 1
    print("verified %d records with PyNaCl" % n)
    return n


def bench(path):
    import time
    with open(path, encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    start = time.monotonic()
    for item in items:
        verify_record(item["key"], item["record"], item["public"])
    elapsed = time.monotonic() - start
    print(len(items), "%.4f" % elapsed)


def verify_ofc(ofc):
    work = tempfile.mkdtemp(prefix="ofc-pynacl-")
    keyfile = os.path.join(work, "op.key")
    subprocess.run([ofc, "keygen", "--operator", "pynacl-check", "--no-passphrase", "--out", keyfile],
                   check=True, capture_output=True)
    public = open(keyfile + ".pub").read().split()[1]
    cases = [
        ["--asset", "TEMP-CTRL-001", "--method", "SwitchMode", "--arg", "NewMode=MANUAL",
         "--reason", "night shift"],
        ["--asset", "VIRTUAL-BARCODE-READER", "--method", "GenerateCode", "--arg", "Code=",
         "--reason", ""],
        ["--asset", "CNC-001", "--method", "gcode", "--arg", "Input=G0 X10 Y-5",
         "--arg", "Zeta= spaced out ", "--arg", "Alpha=été", "--reason", "  jog \u00a0"],
    ]
    lines = []
    for args in cases:
        out = subprocess.run([ofc, "send", "--key", keyfile, "--dry-run"] + args, check=True,
                             capture_output=True, text=True).stdout
        doc = json.loads(out)
        lines.append(json.dumps({"key": doc["key"], "record": doc["record"], "public": public}))
    path = os.path.join(work, "records.ndjson")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    n = verify_file(path)
    assert n == len(cases)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "generate":
        generate()
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify_file(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "bench":
        bench(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check-vectors":
        check_vectors(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "verify-ofc":
        verify_ofc(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
