#!/usr/bin/python3
"""Generate HDF5 test fixtures for nuscope.

Usage:
  gen-fixtures.py OUTDIR
      Writes, deterministically (numpy.random.default_rng(12345)):
        OUTDIR/good/neutrino{1,2,10}.h5  a 3-file dataset in the real layout
                                         (chunked+gzip+shuffle / contiguous /
                                         chunked gzip 9), 300/200/150 events
        OUTDIR/variants/*.h5             valid but unusual files: flat columns,
                                         other integer/float widths, missing
                                         optional columns, 0 events, 1 event
                                         with a fixed hand-drawn pixel pattern
        OUTDIR/bad/*.h5                  files a reader must reject (name says why)
        OUTDIR/expected.json             per-file and combined summaries of the
                                         good/ and variants/ files, computed from
                                         the arrays written

File layout: /cvnmap uint8 (N, 16000), byte = view*8000 + plane*80 + cell
(view 0 = XZ, 1 = YZ; 100 planes, 80 cells), and a group /neutrino holding
one (N, 1) dataset per column (see COLUMNS).
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np

PLANES, CELLS = 100, 80
VIEW = PLANES * CELLS
WIDTH = 2 * VIEW

COLUMNS = [("interaction", "u4"), ("finalstate", "u4"), ("finalstateprong", "u4"),
           ("nuenergy", "f4"), ("lepenergy", "f4"),
           ("vtxx", "f8"), ("vtxy", "f8"), ("vtxz", "f8"),
           ("run", "u4"), ("subrun", "u4"), ("evt", "u4"), ("cycle", "i4"),
           ("subevt", "u2"), ("parent", "u4"), ("particles", "u4"),
           ("rec.training.trainingdata_idx", "u4")]

# Interaction mix of real files: numu CC ~88%, nue CC ~1.1%, NC ~11%, rare 15.
MIX_CODES = np.array([0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 15])
MIX_P = np.array([.17, .27, .38, .06, .002, .003, .005, .001, .002, .105, .002])
MIX_P = MIX_P / MIX_P.sum()


def expand(counts):
    """For ragged groups of the given sizes: (group index, position in group)."""
    counts = np.asarray(counts, dtype=np.int64)
    idx = np.repeat(np.arange(len(counts)), counts)
    start = np.cumsum(counts) - counts
    return idx, np.arange(counts.sum()) - start[idx]


class Canvas:
    """Collects (event, view, plane, cell, value) points; sums them into maps."""

    def __init__(self, n):
        self.n, self.parts = n, []

    def add(self, ev, view, plane, cell, val):
        plane = np.rint(plane).astype(np.int64)
        cell = np.rint(cell).astype(np.int64)
        ok = (plane >= 0) & (plane < PLANES) & (cell >= 0) & (cell < CELLS)
        flat = ev * WIDTH + view * VIEW + plane * CELLS + cell
        self.parts.append((flat[ok], np.asarray(val, dtype=np.float64)[ok]))

    def render(self):
        out = np.zeros(self.n * WIDTH, dtype=np.uint8)
        if self.parts:
            flat = np.concatenate([p[0] for p in self.parts])
            val = np.concatenate([p[1] for p in self.parts])
            if flat.size:
                pix, inv = np.unique(flat, return_inverse=True)
                out[pix] = np.clip(np.bincount(inv, weights=val), 0, 255).astype(np.uint8)
        return out.reshape(self.n, WIDTH)


def make_events(rng, n, force=(), n_zero=0, zero_frac=0.003, idx_start=0):
    """Simulate n events: returns (cvnmap uint8 (n,16000), {column: 1-D array}).

    force: interaction codes placed at random positions; n_zero: extra events
    forced to have nuenergy == 0 exactly."""
    code = rng.choice(MIX_CODES, size=n, p=MIX_P).astype(np.int64)
    pos = rng.permutation(n)
    code[pos[:len(force)]] = list(force)
    zero = rng.random(n) < zero_frac
    zero[pos[len(force):len(force) + n_zero]] = True

    # Energies: falling spectrum (median ~8.8 GeV), E_lep = (1 - y) E_nu.
    nu = np.minimum(rng.gamma(2.0, 5.3, n), 82.0)
    nu[zero] = 0.0
    nu = nu.astype(np.float32)
    m = np.where(code < 12, code % 4, 2)            # QE/RES/DIS/other shapes
    y = rng.beta(np.array([1.0, 1.5, 2.0, 1.5])[m], np.array([6.0, 4.0, 3.0, 3.0])[m])
    lep = (nu.astype(np.float64) * (1.0 - y)).astype(np.float32)
    nu64, lep64 = nu.astype(np.float64), lep.astype(np.float64)

    numu, nue = code <= 3, (code >= 4) & (code <= 7)
    nc, nuel, other = (code == 12) | (code == 13), code == 12, code >= 14
    cc = numu | nue

    # Topology: tracks (muon, protons/pions) and showers (electron, pi0s).
    p_trk = np.select([numu & (code == 0), numu, nue, code == 13], [0.5, 0.3, 0.3, 0.3], 0.0)
    extra_trk = rng.random(n) < p_trk
    p_pi0 = np.select([cc & (m == 1), cc & (m == 2), code == 13], [0.2, 0.3, 0.3], 0.0)
    n_pi0 = rng.binomial(2, p_pi0)
    ntrk = numu.astype(int) + extra_trk
    nshw = (nue | nuel).astype(int) + n_pi0
    block = np.select([numu, nue, nc], [0, 1, 2], 0)
    fs = 16 * block + 4 * np.minimum(ntrk, 3) + np.minimum(nshw, 3)
    fs[other] = 49
    # finalstateprong: usually the same, sometimes one shower more or less.
    tweak = (rng.random(n) < 0.1) & ~other
    shw2 = np.clip(nshw + tweak * rng.choice([-1, 1], n), 0, 3)
    prong = np.where(other, 49, 16 * block + 4 * np.minimum(ntrk, 3) + shw2)

    # Vertex: plane 0-30, cell 20-60 in each view.
    p0 = rng.integers(0, 31, n)
    c0 = rng.integers(20, 61, (2, n))
    cv = Canvas(n)

    # Tracks: muons ~10 planes/GeV of E_lep; short stubby hadron tracks.
    ev_mu, ev_h = np.flatnonzero(numu), np.flatnonzero(extra_trk)
    ev = np.concatenate([ev_mu, ev_h])
    length = np.concatenate([np.rint(10 * lep64[ev_mu]) + 3, rng.integers(3, 13, ev_h.size)])
    length = np.clip(length, 1, PLANES - p0[ev]).astype(np.int64)
    slope = np.concatenate([rng.uniform(-0.4, 0.4, (ev_mu.size, 2)),
                            rng.uniform(-1.0, 1.0, (ev_h.size, 2))])
    lo = np.concatenate([np.full(ev_mu.size, 20), np.full(ev_h.size, 40)])
    hi = np.concatenate([np.full(ev_mu.size, 60), np.full(ev_h.size, 120)])
    i, t = expand(length)
    e = ev[i]
    for v in (0, 1):
        cell = c0[v][e] + slope[i, v] * t + rng.normal(0, 0.25, t.size)
        cv.add(e, v, p0[e] + t, cell, lo[i] + rng.random(t.size) * (hi[i] - lo[i]))

    # Showers: a cone widening with depth, longitudinal profile rising then fading.
    ev_e, ev_g = np.flatnonzero(nue | nuel), np.repeat(np.arange(n), n_pi0)
    ev = np.concatenate([ev_e, ev_g])
    energy = np.concatenate([np.where(nue, lep64, nu64 - lep64)[ev_e],
                             rng.uniform(0.3, 2.0, ev_g.size)])
    slope = np.concatenate([rng.uniform(-0.5, 0.5, (ev_e.size, 2)),
                            rng.uniform(-1.2, 1.2, (ev_g.size, 2))])
    gap = np.concatenate([np.zeros(ev_e.size), rng.integers(2, 7, ev_g.size)])
    npts = np.clip(30 + 40 * energy, 30, 400).astype(np.int64)
    depth = np.clip(10 + 3 * energy, 10, 45)
    i, _ = expand(npts)
    e = ev[i]
    t = depth[i] * rng.beta(2.0, 3.5, i.size)
    for v in (0, 1):
        cell = (c0[v][e] + slope[i, v] * (gap[i] + t)
                + rng.normal(0, 1, i.size) * (0.4 + 0.12 * t))
        cv.add(e, v, p0[e] + gap[i] + t, cell, rng.integers(8, 40, i.size))

    # Hadronic blob at the vertex, scaled by E_nu - E_lep (none for nu-e elastic).
    ev = np.flatnonzero(~nuel)
    ehad = (nu64 - lep64)[ev]
    npts = np.clip(np.rint(4 + 10 * ehad), 4, 200).astype(np.int64)
    spread = 1.0 + 0.1 * np.minimum(ehad, 20)
    i, _ = expand(npts)
    e = ev[i]
    t = rng.exponential(1.5, i.size)
    for v in (0, 1):
        cv.add(e, v, p0[e] + t, c0[v][e] + rng.normal(0, 1, i.size) * spread[i],
               rng.integers(5, 40, i.size))

    # A few noise hits anywhere.
    i, _ = expand(rng.poisson(4, n))
    cv.add(i, rng.integers(0, 2, i.size), rng.integers(0, PLANES, i.size),
           rng.integers(0, CELLS, i.size), rng.integers(1, 13, i.size))

    vals = {
        "interaction": code, "finalstate": fs, "finalstateprong": prong,
        "nuenergy": nu, "lepenergy": lep,
        "vtxx": (c0[0] - 40) * 5.0 + rng.uniform(-2.5, 2.5, n),
        "vtxy": (c0[1] - 40) * 5.0 + rng.uniform(-2.5, 2.5, n),
        "vtxz": rng.uniform(0, 1000, n) + p0 * 6.0,
        "run": np.sort(rng.integers(10000, 13001, n)), "subrun": rng.integers(0, 64, n),
        "evt": np.cumsum(rng.integers(1, 8, n)), "cycle": rng.integers(0, 11, n),
        "subevt": rng.integers(0, 6, n), "parent": rng.integers(0, 2**32, n),
        "particles": rng.integers(1, 60, n),
        "rec.training.trainingdata_idx": idx_start + np.arange(n),
    }
    cols = {name: np.asarray(vals[name]).astype(dt) for name, dt in COLUMNS}
    return cv.render(), cols


def storage(shape, rows, gzip=None, shuffle=False):
    """create_dataset keywords: contiguous if rows is None, else chunked."""
    if rows is None:
        return {}
    kw = {"chunks": (min(rows, shape[0]) or rows,) + tuple(shape[1:])}
    if shape[0] == 0:                       # zero-size needs a resizable dataset
        kw["maxshape"] = (None,) + tuple(shape[1:])
    if gzip is not None:
        kw.update(compression="gzip", compression_opts=gzip)
    if shuffle:
        kw["shuffle"] = True
    return kw


def write_h5(path, cvn, cols, rows=64, gzip=4, shuffle=True, col_rows=1024, flat=False):
    """Write /cvnmap (skipped if None) and the /neutrino group (skipped if None).

    1-D column arrays are stored as (N, 1) unless flat; other arrays as given."""
    with h5py.File(path, "w") as f:
        if cvn is not None:
            f.create_dataset("cvnmap", data=cvn, **storage(cvn.shape, rows, gzip, shuffle))
        if cols is not None:
            g = f.create_group("neutrino")
            for name, arr in cols.items():
                a = arr.reshape(-1, 1) if arr.ndim == 1 and not flat else arr
                crows = col_rows if rows is not None else None  # contiguous too
                g.create_dataset(name, data=a, **storage(a.shape, crows, gzip, shuffle))


def stats(v, y=False):
    v = np.asarray(v, dtype=np.float64)
    if v.size == 0:
        return {"n": 0}
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    out = {"n": int(v.size), "min": float(v.min()), "q1": float(q1),
           "median": float(med), "q3": float(q3), "max": float(v.max())}
    if y:
        out["hist"] = np.histogram(v, bins=10, range=(0.0, 1.0))[0].tolist()
        out["overflow"] = int((v > 1).sum())
    else:
        top = out["max"] if out["max"] > 0 else 1.0
        out["hist"] = np.histogram(v, bins=10, range=(0.0, top))[0].tolist()
    return out


def summarize(cols):
    code = np.asarray(cols["interaction"]).reshape(-1).astype(np.int64)
    n = int(code.size)
    count = lambda *cs: int(np.isin(code, cs).sum())
    # no events: no fraction and no baseline (nuscope info says null)
    f = count(0, 1, 2, 3) / n if n else None
    fs = {}
    if "finalstate" in cols:
        u, c = np.unique(np.asarray(cols["finalstate"]).reshape(-1), return_counts=True)
        fs = {str(int(a)): int(b) for a, b in zip(u, c)}
    nu = np.asarray(cols["nuenergy"], dtype=np.float64).reshape(-1)
    lep = np.asarray(cols["lepenergy"], dtype=np.float64).reshape(-1)
    pos = nu > 0
    return {
        "events": n,
        "codes": [count(c) for c in range(16)],
        "code_overflow": int((code > 15).sum()),
        "groups": {"numu CC": count(0, 1, 2, 3), "nue CC": count(4, 5, 6, 7),
                   "nutau CC": count(8, 9, 10, 11), "NC": count(12, 13),
                   "cosmic": count(14), "other": int((code >= 15).sum())},
        "modes": {"QE": count(0, 4, 8), "RES": count(1, 5, 9), "DIS": count(2, 6, 10),
                  "CC-other": count(3, 7, 11), "NC": count(12, 13),
                  "none": int(((code == 14) | (code >= 15)).sum())},
        "finalstate": fs,
        "numu_cc_fraction": f,
        "baseline": max(f, 1.0 - f) if n else None,
        "nuenergy": stats(nu), "lepenergy": stats(lep), "y": stats(lep[pos] / nu[pos], y=True),
    }


def one_event():
    """The single hand-drawn event of variants/one.h5."""
    maps = np.zeros((2, PLANES, CELLS), dtype=np.uint8)     # [view, plane, cell]
    for p in range(10, 30):
        maps[0, p, 40 + (p - 10) // 2] = 100
    maps[0, 50, 5] = 255
    maps[1, 10:25, 30] = 50
    maps[1, 60:63, 70:73] = 200
    cvn = maps.reshape(1, WIDTH)
    vals = {"interaction": 13, "finalstate": 36, "finalstateprong": 36, "nuenergy": 2.5,
            "lepenergy": 1.0, "vtxx": 10.5, "vtxy": -20.25, "vtxz": 500.0, "run": 12345,
            "subrun": 7, "evt": 42, "cycle": 3, "subevt": 1, "parent": 0, "particles": 4,
            "rec.training.trainingdata_idx": 0}
    return cvn, {name: np.array([vals[name]], dtype=dt) for name, dt in COLUMNS}


def fixtures(out):
    rng = np.random.default_rng(12345)
    for d in ("good", "variants", "bad"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    p = lambda rel: os.path.join(out, rel)
    files, good = {}, []

    # good/: between them every real code (0-7, 12, 13, 15) and exact zeros.
    for name, n, force, nzero, kw in [
            ("neutrino1.h5", 300, (4, 5, 6, 7, 12, 15), 2, dict(rows=64, gzip=4, shuffle=True)),
            ("neutrino2.h5", 200, (0, 1, 2, 3, 13, 4), 1, dict(rows=None)),
            ("neutrino10.h5", 150, (12, 15, 5), 1, dict(rows=50, gzip=9, shuffle=False))]:
        cvn, cols = make_events(rng, n, force, nzero, idx_start=sum(len(c["evt"]) for c in good))
        write_h5(p("good/" + name), cvn, cols, **kw)
        files["good/" + name] = summarize(cols)
        good.append(cols)

    # variants/: valid files in unusual shapes.
    cvn, cols = make_events(rng, 40)
    write_h5(p("variants/flat.h5"), cvn, cols, flat=True)
    files["variants/flat.h5"] = summarize(cols)

    cvn, cols = make_events(rng, 40)
    widths = {"interaction": "i8", "finalstate": "u1", "nuenergy": "f8", "lepenergy": "f8",
              "run": "i2", "vtxx": "f4", "vtxy": "f4", "vtxz": "f4", "subevt": "u4"}
    cols = {k: a.astype(widths.get(k, a.dtype)) for k, a in cols.items()}
    write_h5(p("variants/widths.h5"), cvn, cols)
    files["variants/widths.h5"] = summarize(cols)

    cvn, cols = make_events(rng, 40)
    for k in ("finalstateprong", "vtxx", "vtxy", "vtxz", "parent"):
        del cols[k]
    write_h5(p("variants/missing-optional.h5"), cvn, cols)
    files["variants/missing-optional.h5"] = summarize(cols)

    cvn, cols = make_events(rng, 0)
    write_h5(p("variants/empty.h5"), cvn, cols)
    files["variants/empty.h5"] = summarize(cols)

    cvn, cols = one_event()
    write_h5(p("variants/one.h5"), cvn, cols, rows=None)
    files["variants/one.h5"] = summarize(cols)

    # bad/: each broken in exactly one way.
    with open(p("bad/not-hdf5.h5"), "w") as f:
        f.write("this is not an HDF5 file\n")
    cvn, cols = make_events(rng, 100)
    tmp = p("bad/truncated.h5.tmp")
    write_h5(tmp, cvn, cols, rows=64, gzip=4)
    with open(tmp, "rb") as f:
        data = f.read()
    with open(p("bad/truncated.h5"), "wb") as f:
        f.write(data[:int(len(data) * 0.6)])
    os.remove(tmp)

    def bad(name, n=30, edit=None, cvn_edit=None):
        cvn, cols = make_events(rng, n)
        if edit:
            edit(cols)
        write_h5(p("bad/" + name), cvn_edit(cvn) if cvn_edit else cvn, cols)

    bad("missing-cvnmap.h5", cvn_edit=lambda c: None)
    cvn, _ = make_events(rng, 30)
    write_h5(p("bad/missing-neutrino.h5"), cvn, None)
    for col in ("interaction", "nuenergy", "lepenergy"):
        bad("missing-%s.h5" % col, edit=lambda c, col=col: c.pop(col))
    bad("width.h5", cvn_edit=lambda c: np.ascontiguousarray(c[:, :WIDTH - 1]))
    bad("length-mismatch.h5", edit=lambda c: c.update(lepenergy=c["lepenergy"][:29]))
    bad("column-shape.h5",
        edit=lambda c: c.update(nuenergy=np.stack([c["nuenergy"], c["nuenergy"]], axis=1)))
    bad("string-column.h5", edit=lambda c: c.update(
        interaction=np.array([b"%d" % x for x in c["interaction"]], dtype="S4")))
    bad("cvnmap-float.h5", cvn_edit=lambda c: c.astype(np.float32))
    cvn, cols = make_events(rng, 30)
    with h5py.File(p("bad/compound.h5"), "w") as f:
        f.create_dataset("cvnmap", data=cvn)
        rec = np.zeros(30, dtype=[(k, a.dtype) for k, a in cols.items()])
        for k, a in cols.items():
            rec[k] = a
        f.create_dataset("neutrino", data=rec)

    combined = {k: np.concatenate([c[k] for c in good]) for k in good[0]}
    with open(p("expected.json"), "w") as f:
        json.dump({"files": files, "good": summarize(combined)}, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description="Write nuscope's test fixtures.")
    ap.add_argument("outdir", help="fixture output directory")
    fixtures(ap.parse_args().outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
