#!/usr/bin/python3
"""Cross-check `nuscope info --csv` against `nuscope info --json` of the same
files, name by name: both are written from one description of the summary
(src/summaryfields.c), so every number of a summary is in both formats,
under the same name, with the same value.

usage: check-info-csv.py INFO.csv INFO.json
Prints one line per mismatch and exits 1 if there is any, else "csv = json"
and how many numbers it compared.

How a CSV row (scope,section,key) names a JSON number of the summary of
`scope` ("total" or a file's path):
  SECTION_hist,BIN        the histogram's counts[BIN] (events column)
  SECTION_hist,KEY        hist[KEY] of the statistics SECTION
  SECTION,KEY             KEY of the statistics SECTION (an object)
  code|group|mode|finalstate,KEY
                          the row of codes, groups, modes or finalstate
                          whose code (KEY a number) or name is KEY
  SECTION,KEY             otherwise the number SECTION_KEY (KEY alone when
                          it equals SECTION); numu_cc,baseline is "baseline"
A count in the events column comes with its fraction of the record's
events (of n inside statistics): the JSON rows carry that fraction, the
plain counts do not and it is computed.  Every number and null of every
JSON summary must be named by some CSV row.
"""
import csv
import json
import math
import sys

TABLES = {"code": "codes", "group": "groups", "mode": "modes",
          "finalstate": "finalstate"}
RENAMED = {("numu_cc", "baseline"): "baseline"}


def main():
    rows = list(csv.DictReader(open(sys.argv[1], newline="")))
    doc = json.load(open(sys.argv[2]))
    summ = {"total": doc["total"]}
    for f in doc["files"]:
        summ[f["path"]] = f["summary"]
    bad, seen, compared = [], set(), 0

    def num(s):
        return None if s == "" else float(s)

    def frac(k, n):
        return None if n == 0 else k / n

    def same(where, c, j, exact=True):
        nonlocal compared
        compared += 1
        if c is None or j is None:
            ok = c is None and j is None
        elif exact:
            ok = c == j
        else:
            ok = math.isclose(c, j, rel_tol=1e-8, abs_tol=1e-12)
        if not ok:
            bad.append(f"{where}: CSV {c!r}, JSON {j!r}")

    def counted(where, r, k, n, path, jfrac=None, fpath=None):
        """an events,fraction pair: k (JSON) of n; the JSON fraction if any"""
        same(where + " events", num(r["events"]), k)
        seen.add(path)
        if fpath is not None:
            same(where + " fraction", num(r["fraction"]), jfrac)
            seen.add(fpath)
        else:
            same(where + " fraction", num(r["fraction"]), frac(k, n), False)

    for r in rows:
        scope, sec, key = r["scope"], r["section"], r["key"]
        where = f"{scope},{sec},{key}"
        if sec in ("file", "skipped"):
            continue
        if scope not in summ:
            bad.append(f"{where}: no summary of {scope!r} in the JSON")
            continue
        s = summ[scope]
        try:
            if sec.endswith("_hist") and isinstance(s.get(sec[:-5]), dict):
                q = sec[:-5]
                h, n = s[q]["hist"], s[q]["n"]
                if key.isdigit():
                    b = int(key)
                    counted(where, r, h["counts"][b], n,
                            (scope, q, "hist", "counts", b))
                elif r["events"] != "":
                    counted(where, r, h[key], n, (scope, q, "hist", key))
                else:
                    same(where, num(r["value"]), h[key])
                    seen.add((scope, q, "hist", key))
            elif isinstance(s.get(sec), dict):
                same(where, num(r["value"]), s[sec][key])
                seen.add((scope, sec, key))
            elif sec in TABLES and any(
                    (x.get("code") == int(key)) if key.isdigit() else
                    (x["name"] == key) for x in s[TABLES[sec]]):
                t = TABLES[sec]
                i = next(i for i, x in enumerate(s[t])
                         if ((x.get("code") == int(key)) if key.isdigit()
                             else (x["name"] == key)))
                x = s[t][i]
                if r["label"] != x["name"]:
                    bad.append(f"{where}: label {r['label']!r}, "
                               f"JSON name {x['name']!r}")
                counted(where, r, x["events"], s["events"],
                        (scope, t, i, "events"), x["fraction"],
                        (scope, t, i, "fraction"))
            else:
                name = RENAMED.get((sec, key),
                                   key if key == sec else f"{sec}_{key}")
                if r["events"] != "":
                    counted(where, r, s[name], s["events"], (scope, name))
                else:
                    same(where, num(r["value"]), s[name])
                    seen.add((scope, name))
        except (KeyError, IndexError, StopIteration) as e:
            bad.append(f"{where}: no such number in the JSON ({e!r})")

    # the other way: every number (or null) of every JSON summary
    def leaves(path, v):
        if isinstance(v, dict):
            for k, x in v.items():
                yield from leaves(path + (k,), x)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, dict):     # a table row: code and name
                    yield path + (i, "events")      # are its key
                    yield path + (i, "fraction")
                else:
                    yield path + (i,)
        elif not isinstance(v, str):
            yield path
    for scope, s in summ.items():
        for p in leaves((scope,), s):
            if p not in seen:
                bad.append(f"JSON {'.'.join(map(str, p))}: in no CSV row")

    for b in bad:
        print(b)
    if bad:
        sys.exit(1)
    print(f"csv = json ({compared} numbers)")


main()
