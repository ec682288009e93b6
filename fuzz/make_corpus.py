#!/usr/bin/env python3
"""Build fuzz/corpus/ofa_record from tests/data/records (run from the repository root).

Each manifest case becomes one input in fuzz_ofa_record's layout: a selector byte (parser,
column, null key, null payload; default limits), the key length, the key, the payload.
"""
import json
import os
import sys

PARSERS = {"event": 0, "table_event": 1, "uns_map": 2, "table_value": 3}
COLUMNS = {"TYPE": 0, "AVAILABILITY": 1, "DOCKER_SERVICE": 2, "type": 3}


def main():
    src = "tests/data/records"
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/ofa_record"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(src, "manifest.json"), encoding="utf-8") as f:
        cases = json.load(f)
    for c in cases:
        sel = PARSERS[c["parser"]] | COLUMNS.get(c.get("column", "TYPE"), 0) << 2
        key = c["key"]
        if key is None:
            sel |= 0x10
            key = b""
        elif isinstance(key, dict):
            key = bytes.fromhex(key["hex"])
        else:
            key = key.encode()
        if len(key) > 255:
            continue
        payload = b""
        if c["payload"] is None:
            sel |= 0x20
        else:
            with open(os.path.join(src, c["payload"]), "rb") as f:
                payload = f.read()
        with open(os.path.join(out, "rec-" + c["name"]), "wb") as f:
            f.write(bytes([sel, len(key)]) + key + payload)
    print(len(cases), "seeds in", out)


if __name__ == "__main__":
    main()
