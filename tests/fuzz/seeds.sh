#!/bin/sh
# seeds.sh NUSCOPE OUTDIR [FIXTURES]: make the seed corpora of the HDF5
# harnesses, which are not kept in git: small data files simulated by
# NUSCOPE into OUTDIR/data (with the test fixtures under 64 kB that
# h5py wrote into FIXTURES, when given and present: another writer, other
# layouts, files that must be refused), and small models trained on them
# into OUTDIR/model.  The text seeds (arch, where) are in git beside this
# script and are copied into OUTDIR as they are.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: seeds.sh NUSCOPE OUTDIR [FIXTURES]" >&2
	exit 2
fi
nuscope=$1 out=$2 fixtures=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$out/.work
rm -rf "$out/data" "$out/model" "$out/arch" "$out/where" "$tmp"
mkdir -p "$out/data" "$out/model" "$out/arch" "$out/where" "$tmp"

cp "$here"/arch/*.arch "$here"/../../assets/arch/*.arch "$out/arch/"
cp "$here"/where/*.txt "$out/where/"

# data: a few events of each kind of file the simulator writes
"$nuscope" sim -n 1 --files 1 --seed 1 -o "$out/data/one.h5" >/dev/null 2>&1
"$nuscope" sim -n 4 --files 1 --seed 7 -o "$out/data/four.h5" >/dev/null 2>&1
"$nuscope" sim -n 3 --files 1 --seed 9 --mix nue=1 --no-noise -o "$out/data/nue.h5" >/dev/null 2>&1
if [ -n "$fixtures" ] && [ -d "$fixtures" ]; then
	for f in "$fixtures"/variants/*.h5 "$fixtures"/bad/*.h5; do
		[ -f "$f" ] || continue
		[ "$(wc -c <"$f")" -le 65536 ] || continue
		d=${f%/*}
		cp "$f" "$out/data/fixture-${d##*/}-${f##*/}"
	done
fi

# models: one branch; two branches with batch norm (state tensors) and
# SGD with momentum (optimizer state); one trained on a --where selection
"$nuscope" sim -n 40 --files 1 --seed 3 -o "$tmp/d" >/dev/null 2>&1
cat >"$tmp/one.arch" <<'ARCH'
[net]
version = 1
views = xz
task = numu-cc

[conv]
filters = 1
kernel = 4x4
stride = 4

[maxpool]
size = 5x5

[flatten]

[dense]
units = 1
activation = sigmoid

[train]
batch = 8
epochs = 2
fractions = 0.6, 0.2, 0.2
ARCH
cat >"$tmp/two.arch" <<'ARCH'
[net]
version = 1
task = mode
views = both
branches = separate

[conv]
filters = 1
kernel = 5x5
stride = 5

[batchnorm]

[maxpool]
size = 4x4

[merge]

[dense]
units = 5
activation = softmax

[train]
optimizer = sgd
momentum = 0.9
batch = 8
epochs = 1
split = sequential
fractions = 0.5, 0.25, 0.25
ARCH
"$nuscope" train -q -o "$out/model/one.h5" "$tmp/one.arch" "$tmp/d" >/dev/null 2>&1
"$nuscope" train -q -o "$out/model/two.h5" "$tmp/two.arch" "$tmp/d" >/dev/null 2>&1
"$nuscope" train -q --where 'nuenergy > 1' -o "$out/model/where.h5" "$tmp/one.arch" "$tmp/d" >/dev/null 2>&1
rm -rf "$tmp"
