#!/usr/bin/python3
"""Keras 2 HDF5 model files for the tests of `nuscope import keras`.

Usage:
  keras.py make DIR      write DIR/data.h5 (a few events), Keras model files
                         DIR/<name>.h5 in the layout of /work/shared/KERAS-H5.md
                         (model_config JSON, model_weights/LAYER/LAYER/kernel:0,
                         layer_names / weight_names as byte strings) with random
                         weights, and DIR/<name>.expect: the outputs computed
                         here with numpy from the Keras semantics
  keras.py compare CSV EXPECT [TOL]
                         compare `nuscope predict` output with the expected
                         outputs to TOL (default 1e-4) relative; exit 1 when
                         they differ

The inputs of the references are made here from DIR/data.h5's cvnmap as
the published notebooks made them: views = reshape (N, 2, 100, 80) and
split; interleaved = reshape (N, 100, 80, 2) and the last axis split
(nuscope-data(5)); scaled by 255, by a maximum, or not at all.
No TensorFlow is needed.
"""
import json
import sys

import h5py
import numpy as np

PLANES, CELLS = 100, 80
NEV = 5
STR = h5py.special_dtype(vlen=bytes)


# ---- Keras semantics in numpy (channels last, one event [H, W, C]) --------

def pad_axis(n, k, s, same):
    if same:
        out = -(-n // s)
        tot = max((out - 1) * s + k - n, 0)
        return out, tot // 2, tot - tot // 2
    return (n - k) // s + 1, 0, 0


def conv(x, kern, bias, strides, same):
    kh, kw, _, co = kern.shape
    H, W, _ = x.shape
    oh, pt, pb = pad_axis(H, kh, strides[0], same)
    ow, pl, pr = pad_axis(W, kw, strides[1], same)
    xp = np.pad(x, ((pt, pb), (pl, pr), (0, 0)))
    y = np.zeros((oh, ow, co))
    for i in range(kh):
        for j in range(kw):
            patch = xp[i:i + (oh - 1) * strides[0] + 1:strides[0],
                       j:j + (ow - 1) * strides[1] + 1:strides[1], :]
            y += patch @ kern[i, j]
    return y + bias


def pool(x, size, strides, same, kind):
    H, W, C = x.shape
    oh, pt, pb = pad_axis(H, size[0], strides[0], same)
    ow, pl, pr = pad_axis(W, size[1], strides[1], same)
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x, ((pt, pb), (pl, pr), (0, 0)), constant_values=fill)
    y = np.zeros((oh, ow, C))
    for a in range(oh):
        for b in range(ow):
            win = xp[a * strides[0]:a * strides[0] + size[0],
                     b * strides[1]:b * strides[1] + size[1]]
            y[a, b] = win.max(axis=(0, 1)) if kind == "max" else np.nanmean(win, axis=(0, 1))
    return y


def act(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return x


# ---- writing a Keras file -----------------------------------------------

class Model:
    """A Sequential model: layer configs, weights, and its numpy forward."""

    def __init__(self, rng, scale=1.0, count=None, shape=(PLANES, CELLS, 1), first=True):
        self.rng, self.layers, self.weights, self.scale = rng, [], {}, scale
        self.shape = shape
        self.count = {} if count is None else count
        self.first = first

    def name(self, base):
        k = self.count.get(base, 0)
        self.count[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    def add(self, cls, cfg, weights=()):
        cfg = dict(cfg)
        cfg.setdefault("name", self.name(cls.lower()))
        cfg.setdefault("trainable", True)
        cfg.setdefault("dtype", "float32")
        if not self.layers and self.first:
            cfg["batch_input_shape"] = [None, PLANES, CELLS, 1]
        self.layers.append({"class_name": cls, "config": cfg})
        self.weights[cfg["name"]] = list(weights)
        return cfg["name"]

    def w(self, *shape, scale=None):
        s = self.scale if scale is None else scale
        return (self.rng.standard_normal(shape) * s).astype(np.float32)

    def conv(self, filters, k, strides=(1, 1), padding="valid", activation="linear",
             use_bias=True):
        cin = self.shape[2]
        kern = self.w(k[0], k[1], cin, filters, scale=1 / np.sqrt(k[0] * k[1] * cin))
        ws = [("kernel:0", kern)] + ([("bias:0", self.w(filters, scale=0.1))] if use_bias else [])
        self.add("Conv2D", {"filters": filters, "kernel_size": list(k),
                            "strides": list(strides), "padding": padding,
                            "data_format": "channels_last", "dilation_rate": [1, 1],
                            "groups": 1, "activation": activation, "use_bias": use_bias,
                            "kernel_initializer": {"class_name": "GlorotUniform",
                                                   "config": {"seed": None}}}, ws)
        oh = pad_axis(self.shape[0], k[0], strides[0], padding == "same")[0]
        ow = pad_axis(self.shape[1], k[1], strides[1], padding == "same")[0]
        self.shape = (oh, ow, filters)

    def pool(self, cls, size, strides=None, padding="valid"):
        self.add(cls, {"pool_size": list(size), "padding": padding,
                       "strides": list(strides) if strides else None,
                       "data_format": "channels_last"})
        s = strides or size
        self.shape = (pad_axis(self.shape[0], size[0], s[0], padding == "same")[0],
                      pad_axis(self.shape[1], size[1], s[1], padding == "same")[0],
                      self.shape[2])

    def dense(self, units, activation="linear"):
        k = self.shape[0] if len(self.shape) == 1 else None
        kern = self.w(k, units, scale=1 / np.sqrt(k))
        self.add("Dense", {"units": units, "activation": activation, "use_bias": True},
                 [("kernel:0", kern), ("bias:0", self.w(units, scale=0.1))])
        self.shape = (units,)

    def bn(self):
        c = self.shape[-1]
        ws = [("gamma:0", (1 + self.w(c, scale=0.2))), ("beta:0", self.w(c, scale=0.2)),
              ("moving_mean:0", self.w(c, scale=0.2)),
              ("moving_variance:0", (0.5 + self.rng.random(c)).astype(np.float32))]
        self.add("BatchNormalization", {"axis": [len(self.shape)], "momentum": 0.99,
                                        "epsilon": 0.001, "center": True, "scale": True}, ws)

    def flatten(self):
        self.add("Flatten", {"data_format": "channels_last"})
        self.shape = (int(np.prod(self.shape)),)

    def forward(self, x):
        for l in self.layers:
            cls, cfg = l["class_name"], l["config"]
            ws = dict(self.weights[cfg["name"]])
            if cls == "Conv2D":
                x = act(conv(x, ws["kernel:0"].astype(np.float64),
                             ws.get("bias:0", np.zeros(cfg["filters"])).astype(np.float64),
                             cfg["strides"], cfg["padding"] == "same"), cfg["activation"])
            elif cls in ("MaxPooling2D", "AveragePooling2D"):
                x = pool(x, cfg["pool_size"], cfg["strides"] or cfg["pool_size"],
                         cfg["padding"] == "same", "max" if cls[0] == "M" else "avg")
            elif cls == "Flatten":
                x = x.reshape(-1)       # (row, column, channel) order
            elif cls == "Dense":
                x = act(x @ ws["kernel:0"].astype(np.float64) + ws["bias:0"], cfg["activation"])
            elif cls == "BatchNormalization":
                x = ((x - ws["moving_mean:0"]) / np.sqrt(ws["moving_variance:0"] + cfg["epsilon"])
                     * ws["gamma:0"] + ws["beta:0"])
            elif cls == "Activation":
                x = act(x, cfg["activation"])
            elif cls == "ReLU":
                x = act(x, "relu")
        return x

    def save(self, path, config=None):
        with h5py.File(path, "w") as f:
            f.attrs["keras_version"] = "2.11.0"
            f.attrs["backend"] = "tensorflow"
            mc = config if config is not None else json.dumps(
                {"class_name": "Sequential",
                 "config": {"name": "sequential", "layers": self.layers}})
            f.attrs["model_config"] = mc
            f.attrs["training_config"] = json.dumps({"loss": "binary_crossentropy"})
            g = f.create_group("model_weights")
            names = [l["config"]["name"] for l in self.layers]
            g.attrs["layer_names"] = np.array([n.encode() for n in names], dtype=STR)
            g.attrs["backend"] = "tensorflow"
            g.attrs["keras_version"] = "2.11.0"
            for n in names:
                lg = g.create_group(n)
                ws = self.weights[n]
                if not ws:
                    lg.attrs["weight_names"] = np.zeros(0, dtype=np.float64)
                    continue
                lg.attrs["weight_names"] = np.array(
                    [f"{n}/{wn}".encode() for wn, _ in ws], dtype=STR)
                sub = lg.create_group(n)
                for wn, arr in ws:
                    sub.create_dataset(wn, data=arr)


class Functional:
    """Two inputs (XZ first, YZ second), a branch each of the same layers,
    a Concatenate, then a trunk: a Keras functional model."""

    def __init__(self, rng, branch, axis, trunk):
        self.count = {}
        self.b = []
        for _ in range(2):
            m = Model(rng, count=self.count, first=False)
            branch(m)
            self.b.append(m)
        self.axis = axis
        sh = self.b[0].shape
        if axis == -1:
            tshape = (sh[0] * 2,)
        else:
            tshape = (sh[0] * 2, sh[1], sh[2])
        self.t = Model(rng, count=self.count, shape=tshape, first=False)
        trunk(self.t)

    def config(self):
        layers = []

        def chain(ls, prev):
            for l in ls:
                e = {"class_name": l["class_name"], "config": l["config"],
                     "name": l["config"]["name"], "inbound_nodes": [[[prev, 0, 0, {}]]]}
                layers.append(e)
                prev = e["name"]
            return prev
        ends = []
        for b, m in enumerate(self.b):
            name = f"input_{b + 1}"
            layers.append({"class_name": "InputLayer", "name": name, "inbound_nodes": [],
                           "config": {"batch_input_shape": [None, PLANES, CELLS, 1],
                                      "dtype": "float32", "sparse": False,
                                      "ragged": False, "name": name}})
            ends.append(chain(m.layers, name))
        layers.append({"class_name": "Concatenate", "name": "concatenate",
                       "config": {"name": "concatenate", "trainable": True,
                                  "dtype": "float32", "axis": self.axis},
                       "inbound_nodes": [[[ends[0], 0, 0, {}], [ends[1], 0, 0, {}]]]})
        last = chain(self.t.layers, "concatenate")
        return {"class_name": "Functional",
                "config": {"name": "model", "layers": layers,
                           "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
                           "output_layers": [[last, 0, 0]]}}

    def forward(self, xz, yz):
        a, b = self.b[0].forward(xz), self.b[1].forward(yz)
        return self.t.forward(np.concatenate([a, b], axis=-1 if self.axis == -1 else 0))

    def save(self, path):
        save_cfg(path, self.config(), self.b + [self.t])


def save_cfg(path, cfg, parts):
    """Save a model_config with the weights of the Models parts."""
    m = Model(None)
    m.layers = cfg["config"]["layers"]
    for part in parts:
        m.weights.update(part.weights)
    for l in m.layers:
        m.weights.setdefault(l["config"]["name"], [])
    m.save(path, config=json.dumps(cfg))


def write_data(path, rng):
    maps = np.zeros((NEV, 2 * PLANES * CELLS), dtype=np.uint8)
    hot = rng.random(maps.shape) < 0.3
    maps[hot] = rng.integers(1, 256, size=hot.sum())
    with h5py.File(path, "w") as f:
        f.create_dataset("cvnmap", data=maps)
        g = f.create_group("neutrino")
        cols = {"interaction": "u4", "finalstate": "u4", "finalstateprong": "u4",
                "nuenergy": "f4", "lepenergy": "f4", "vtxx": "f8", "vtxy": "f8",
                "vtxz": "f8", "run": "u4", "subrun": "u4", "evt": "u4", "cycle": "i4",
                "subevt": "u2", "parent": "u4", "particles": "u4",
                "rec.training.trainingdata_idx": "u4"}
        for c, t in cols.items():
            v = np.arange(NEV).reshape(NEV, 1)
            if c == "nuenergy":
                v = v + 1.5
            if c == "lepenergy":
                v = v * 0.1 + 0.5
            g.create_dataset(c, data=v.astype(t))
    x = maps.reshape(NEV, 2, PLANES, CELLS, 1).astype(np.float64) / 255
    return x[:, 0], x[:, 1], maps


def interleaved(maps, scale):
    """The two "views" of cvnmap reshaped to (N, 100, 80, 2), each
    [N, 100, 80, 1], divided by scale."""
    r = maps.reshape(NEV, PLANES, CELLS, 2).astype(np.float64) / scale
    return r[..., 0:1], r[..., 1:2]


def models(rng):
    out = {}
    # sequential: every supported layer kind on one view, numu-cc
    m = Model(rng)
    m.add("InputLayer", {"batch_input_shape": [None, PLANES, CELLS, 1],
                         "name": "input_1", "sparse": False, "ragged": False})
    m.layers[0]["config"].pop("trainable")
    m.conv(4, (3, 3), padding="same", activation="relu")
    m.pool("MaxPooling2D", (2, 2))
    m.conv(6, (5, 3), strides=(2, 1), padding="valid", activation="tanh")
    m.bn()
    m.pool("AveragePooling2D", (3, 3), strides=(2, 2), padding="same")
    m.conv(5, (2, 2), strides=(2, 2), padding="same", use_bias=False)
    m.add("ReLU", {"max_value": None, "negative_slope": 0.0, "threshold": 0.0})
    m.pool("MaxPooling2D", (3, 2), strides=(2, 2), padding="same")
    m.flatten()
    m.add("Dropout", {"rate": 0.5})
    m.dense(7, activation="relu")
    m.bn()
    m.dense(1)
    m.add("Activation", {"activation": "sigmoid"})
    out["seq"] = m
    # the Flatten permutation on its own: conv with several channels,
    # Flatten, Dense (a regression: no squashing hides a wrong order)
    m = Model(rng)
    m.conv(3, (4, 4), strides=(4, 4), activation="relu")
    m.pool("MaxPooling2D", (5, 5))
    m.flatten()
    m.dense(1, activation="linear")
    out["perm"] = m
    # five classes with softmax
    m = Model(rng)
    m.conv(4, (3, 3), strides=(2, 2), activation="relu")
    m.pool("MaxPooling2D", (4, 4))
    m.flatten()
    m.dense(5, activation="softmax")
    out["mode"] = m
    return out


def make(d):
    rng = np.random.default_rng(16)
    x, y, maps = write_data(f"{d}/data.h5", rng)
    for name, m in models(rng).items():
        m.save(f"{d}/{name}.h5")
        ys = np.array([np.atleast_1d(m.forward(x[i])) for i in range(NEV)])
        np.savetxt(f"{d}/{name}.expect", ys, fmt="%.9g")
        if name == "perm":
            # the same model read without the permutation (Keras's
            # (row, column, channel) rows taken as (channel, row, column))
            h, w, c = 5, 4, 3
            k = m.weights["dense"][0][1]
            wrong = k.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(h * w * c, -1)
            m.weights["dense"][0] = ("kernel:0", wrong)
            ys = np.array([np.atleast_1d(m.forward(x[i])) for i in range(NEV)])
            np.savetxt(f"{d}/{name}.unpermuted", ys, fmt="%.9g")
    # two inputs, a branch each, joined along the features (after Flatten)
    def b_feat(m):
        m.conv(3, (4, 4), strides=(4, 4), activation="relu")
        m.pool("MaxPooling2D", (5, 5))
        m.flatten()

    def t_feat(m):
        m.dense(4, activation="relu")
        m.dense(1, activation="sigmoid")

    def b_planes(m):
        m.conv(4, (3, 3), strides=(2, 2), padding="same", activation="relu")
        m.pool("MaxPooling2D", (2, 2))

    def t_planes(m):
        m.conv(3, (3, 3), strides=(2, 2), activation="relu")
        m.bn()
        m.flatten()
        m.dense(1, activation="sigmoid")
    for name, f in (("twofeat", Functional(rng, b_feat, -1, t_feat)),
                    ("twoplanes", Functional(rng, b_planes, 1, t_planes))):
        f.save(f"{d}/{name}.h5")
        ys = np.array([np.atleast_1d(f.forward(x[i], y[i])) for i in range(NEV)])
        np.savetxt(f"{d}/{name}.expect", ys, fmt="%.9g")
        if name == "twofeat":
            cfg = f.config()
            cat = [l for l in cfg["config"]["layers"] if l["name"] == "concatenate"][0]
            cat["inbound_nodes"][0].reverse()
            save_cfg(f"{d}/reversed.h5", cfg, f.b + [f.t])
    # one input, as a Functional model
    m = Model(rng, first=False)
    b_feat(m)
    m.dense(1, activation="sigmoid")
    layers = [{"class_name": "InputLayer", "name": "xz", "inbound_nodes": [],
               "config": {"batch_input_shape": [None, PLANES, CELLS, 1], "name": "xz"}}]
    prev = "xz"
    for l in m.layers:
        layers.append({"class_name": l["class_name"], "config": l["config"],
                       "name": l["config"]["name"], "inbound_nodes": [[[prev, 0, 0, {}]]]})
        prev = l["config"]["name"]
    save_cfg(f"{d}/one.h5", {"class_name": "Functional",
                             "config": {"layers": layers, "input_layers": [["xz", 0, 0]],
                                        "output_layers": [[prev, 0, 0]]}}, [m])
    ys = np.array([np.atleast_1d(m.forward(x[i])) for i in range(NEV)])
    np.savetxt(f"{d}/one.expect", ys, fmt="%.9g")
    # the input mapping: a two-input model trained on the interleaved
    # "views" (its reference fed so), and a one-input model on the first
    ia, ib = interleaved(maps, 255)
    f = Functional(rng, b_feat, -1, t_feat)
    f.save(f"{d}/twoint.h5")
    ys = np.array([np.atleast_1d(f.forward(ia[i], ib[i])) for i in range(NEV)])
    np.savetxt(f"{d}/twoint.expect", ys, fmt="%.9g")
    m = Model(rng)
    b_feat(m)
    m.dense(1, activation="linear")
    m.save(f"{d}/oneint.h5")
    ys = np.array([np.atleast_1d(m.forward(ia[i])) for i in range(NEV)])
    np.savetxt(f"{d}/oneint.expect", ys, fmt="%.9g")
    # the pixel scaling: a regression (no squashing hides the scale) on
    # unscaled maps, and the same weights on maps divided by 200
    m = Model(rng, scale=0.05)
    b_feat(m)
    m.dense(1, activation="linear")
    m.save(f"{d}/raw.h5")
    for name, scale in (("raw", 1.0), ("max200", 200.0)):
        ys = np.array([np.atleast_1d(m.forward(x[i] * 255 / scale)) for i in range(NEV)])
        np.savetxt(f"{d}/{name}.expect", ys, fmt="%.9g")
    # branches that differ (an activation), and Keras 3's inbound_nodes
    f = Functional(rng, b_feat, -1, t_feat)
    cfg = f.config()
    for l in cfg["config"]["layers"]:
        if l["name"] == "conv2d_1":
            l["config"]["activation"] = "tanh"
    save_cfg(f"{d}/differ.h5", cfg, f.b + [f.t])
    cfg = f.config()
    for l in cfg["config"]["layers"]:
        if l["inbound_nodes"]:
            l["inbound_nodes"] = [{"args": [], "kwargs": {}}]
    save_cfg(f"{d}/keras3.h5", cfg, f.b + [f.t])
    # an unsupported layer, named
    m = Model(rng)
    m.conv(2, (3, 3))
    m.add("Conv3D", {"name": "odd_layer", "filters": 2})
    m.flatten()
    m.dense(1, activation="sigmoid")
    m.save(f"{d}/unsupported.h5")
    # a truncated model_config
    m = Model(rng)
    m.conv(2, (3, 3))
    m.flatten()
    m.dense(1, activation="sigmoid")
    full = json.dumps({"class_name": "Sequential", "config": {"layers": m.layers}})
    m.save(f"{d}/truncated.h5", config=full[:len(full) // 2])
    m.save(f"{d}/garbled.h5", config=full.replace(":", ";", 3))
    # a functional model (not supported by this importer)
    m.save(f"{d}/functional.h5", config=json.dumps(
        {"class_name": "Functional", "config": {"layers": [], "input_layers": [],
                                                "output_layers": []}}))


def compare(csv, expect, tol=1e-4):
    import csv as csvmod
    with open(csv) as f:
        rows = list(csvmod.DictReader(f))
    want = np.loadtxt(expect, ndmin=2)
    cols = [c for c in rows[0].keys() if c == "score" or c == "prediction" or c.startswith("p_")]
    got = np.array([[float(r[c]) for c in cols] for r in rows])
    if got.shape != want.shape:
        print(f"shape {got.shape} != {want.shape} (columns {cols})")
        return 1
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-3)
    print(f"max abs diff {np.abs(got - want).max():.3g}, max rel {rel.max():.3g}")
    return 0 if rel.max() <= tol else 1


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3],
                         float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4))
