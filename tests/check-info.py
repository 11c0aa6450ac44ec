#!/usr/bin/python3
"""Compare `nuscope info --json` output with the numbers the fixture script
computed from the arrays it wrote (tests/gen-fixtures.py, expected.json).

usage: check-info.py EXPECTED.json KEY INFO.json
KEY is "good" (the good/ set) or a file such as "variants/flat.h5".
Prints one line per mismatch and exits 1 if there is any.
"""
import json
import math
import sys


def close(a, b, tol=1e-6):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def main():
    exp_all = json.load(open(sys.argv[1]))
    key = sys.argv[2]
    exp = exp_all["good"] if key == "good" else exp_all["files"][key]
    got = json.load(open(sys.argv[3]))["total"]
    bad = []

    def same(what, a, b, tol=None):
        # None (JSON null): a statistic of no events, equal only to None
        ok = (a == b) if tol is None or a is None or b is None else close(a, b, tol)
        if not ok:
            bad.append(f"{what}: nuscope says {a!r}, the fixture script {b!r}")

    same("events", got["events"], exp["events"])
    same("codes", [c["events"] for c in got["codes"]], exp["codes"])
    same("code_overflow", got["code_overflow"], exp["code_overflow"])
    for g in got["groups"]:
        same(f"group {g['name']}", g["events"], exp["groups"][g["name"]])
    for m in got["modes"]:
        same(f"mode {m['name']}", m["events"], exp["modes"][m["name"]])
    same("finalstate", {str(f["code"]): f["events"] for f in got["finalstate"]},
         exp["finalstate"])
    same("numu_cc_fraction", got["numu_cc_fraction"], exp["numu_cc_fraction"], 1e-9)
    same("baseline", got["baseline"], exp["baseline"], 1e-9)
    for q in ("nuenergy", "lepenergy", "y"):
        g, e = got[q], exp[q]
        same(f"{q} n", g["n"], e["n"])
        if e["n"] == 0:
            continue
        for s in ("min", "q1", "median", "q3", "max"):
            same(f"{q} {s}", g[s], e[s], 1e-6)
        same(f"{q} histogram", g["hist"]["counts"], e["hist"])
        if "overflow" in e:
            same(f"{q} overflow", g["hist"]["overflow"], e["overflow"])
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
