#!/bin/sh
# run.sh BINDIR SEEDDIR WORKDIR SURFACE...: run each harness
# BINDIR/fuzz-SURFACE, one after the other with one worker, for
# FUZZ_SECONDS (default 600) on the corpus WORKDIR/corpus/SURFACE (kept
# from run to run) seeded from SEEDDIR/SURFACE, with the dictionary
# beside this script, and report per surface the executions, the final
# coverage (cov: edges, ft: features), the corpus size, the seconds and
# the findings.
#
# A finding is a crash, a sanitizer report (leak, overflow, undefined
# behaviour), a timeout (an input running over 30 s) or a memory blow-up
# (an RSS over 2048 MB, or one allocation over 1024 MB).  libFuzzer runs in
# fork mode with one worker, so that it goes on after a finding; each
# finding is then run again on its own and sorted by where it happens:
# in nuscope's code, which fails the run (WORKDIR/findings/SURFACE/), or
# inside the HDF5 library (or the zlib it inflates with) on a corrupt
# file, which nuscope cannot mend and which is counted but does not fail
# the run (WORKDIR/findings/SURFACE/hdf5/).  A finding that its input
# does not bring back on its own (it depended on what the library had
# done before, as some of libhdf5's do) is kept in
# WORKDIR/findings/SURFACE/unrepeated/ and counted apart, for a look.
# libFuzzer's output is in WORKDIR/logs/SURFACE.log, each finding's
# replay in FINDING.txt beside it.
set -u
if [ $# -lt 4 ]; then
	echo "usage: run.sh BINDIR SEEDDIR WORKDIR SURFACE..." >&2
	exit 2
fi
bindir=$1 seeddir=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-600}
case $secs in
''|*[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a whole number of seconds, not '$secs'" >&2; exit 2 ;;
esac
limits="-timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=1024"
LSAN_OPTIONS="suppressions=$here/lsan.supp"
# a request beyond what the allocator can ever give (over 1 TB) returns
# NULL, as malloc does outside the sanitizer, instead of aborting; any
# allocation over 1024 MB is still a finding (-malloc_limit_mb)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1"
export LSAN_OPTIONS ASAN_OPTIONS

# where FILE: "none" when FILE (a replay's output) reports nothing;
# "hdf5" when the first stack frame of every report in it that is not
# the sanitizers', libFuzzer's or the C library's lies in libhdf5 or
# zlib; else "nuscope" (so is a report without a stack).  glibc's
# "stack smashing detected" is a library's too: nuscope and the harness
# are built with AddressSanitizer, which reports an overflow of their own
# stack before the stack protector can see it, so only uninstrumented
# code (libhdf5's H5T__bit_get_d on crafted types, seen) ends that way
where() {
	if grep -q '^\*\*\* stack smashing detected \*\*\*' "$1"; then
		echo hdf5
		return
	fi
	if ! grep -qE '^==[0-9]+== *ERROR|runtime error:|^SUMMARY: ' "$1"; then
		echo none
		return
	fi
	awk '
	# the stack under an error or a leak counts; an "allocated by" stack
	# counts too when the access was just past or inside that block (the
	# library given a buffer too small is the caller'"'"'s fault), not when
	# a stray pointer of the library landed near memory of ours
	/ERROR:|leak of|runtime error:/ { want = 1 }
	/is located (0 bytes to the (left|right)|[0-9]+ bytes inside) of/ { edge = 1 }
	/^(allocated|freed) by thread/ { want = edge }
	/^ *#0 / { instack = want; want = 0; found = 0; if (instack) nstack++ }
	/^ *#[0-9]+ / && instack && !found {
		if ($0 ~ /\/fuzz-[a-z]+\+0x/ || $0 ~ /libc\.so|ld-linux|linux-vdso|libclang_rt|sysdeps\// ||
		    $0 ~ / in (__sanitizer|__asan|__ubsan|__lsan|__interceptor|fuzzer::|malloc|calloc|realloc|aligned_alloc|posix_memalign)/)
			next
		found = 1
		if ($0 !~ /libhdf5|libz\.so|libsz\.so|libaec\.so/)
			ours++
	}
	!/^ *#[0-9]+ / { instack = 0 }
	END { print (nstack > 0 && ours == 0) ? "hdf5" : "nuscope" }' "$1"
}

# what FILE: one line saying what the report in FILE is
what() {
	sed -n -e 's/^==[0-9]*== *ERROR: *//p' -e 's/^SUMMARY: //p' \
	    -e 's/^\(.*runtime error: .*\)/\1/p' "$1" | head -n 1 | cut -c 1-150
}

# the harnesses' input files, removed at the end with what crashed
# processes left there
NUSCOPE_FUZZ_TMP=$(mktemp -d /dev/shm/nuscope-fuzz-run.XXXXXX 2>/dev/null ||
    mktemp -d "${TMPDIR:-/tmp}/nuscope-fuzz-run.XXXXXX") || exit 1
export NUSCOPE_FUZZ_TMP
trap 'rm -rf "$NUSCOPE_FUZZ_TMP"' EXIT
trap 'exit 130' INT TERM

failed=0
for s in "$@"; do
	bin=$bindir/fuzz-$s
	if [ ! -x "$bin" ]; then
		echo "run.sh: no harness $bin" >&2
		failed=1
		continue
	fi
	corpus=$work/corpus/$s out=$work/findings/$s log=$work/logs/$s.log
	mkdir -p "$corpus" "$out/hdf5" "$work/logs" "$work/tmp"
	opts="-max_len=65536"
	[ "$s" = where ] && opts="-max_len=4096"
	[ -f "$here/$s.dict" ] && opts="$opts -dict=$here/$s.dict"
	t0=$(date +%s)
	# the fork mode's scratch directory goes under WORKDIR
	# shellcheck disable=SC2086
	TMPDIR=$work/tmp "$bin" $opts $limits -max_total_time="$secs" -fork=1 \
	    -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
	    -artifact_prefix="$out/new-" "$corpus" "$seeddir/$s" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	# the last line of libFuzzer's fork-mode statistics
	last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)
	execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
	cov=$(echo "$last" | grep -o 'cov: [0-9]* ft: [0-9]*')
	files=$(ls "$corpus" | wc -l)
	ours=0 lib=0 unrep=0 report=""
	for f in "$out"/new-*; do
		[ -f "$f" ] || continue
		name=${f##*/new-}
		case $name in slow-unit-*) rm -f "$f"; continue ;; esac
		# run the input again on its own for its report
		# shellcheck disable=SC2086
		ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
		    "$bin" $limits "$f" >"$f.txt" 2>&1
		case $(where "$f.txt") in
		none)
			unrep=$((unrep + 1))
			mkdir -p "$out/unrepeated"
			mv "$f" "$out/unrepeated/$name"
			mv "$f.txt" "$out/unrepeated/$name.txt" ;;
		hdf5)
			lib=$((lib + 1))
			mv "$f" "$out/hdf5/$name"
			mv "$f.txt" "$out/hdf5/$name.txt" ;;
		*)
			ours=$((ours + 1))
			mv "$f" "$out/$name"
			mv "$f.txt" "$out/$name.txt"
			report="$report
    $out/$name: $(what "$out/$name.txt")" ;;
		esac
	done
	printf '%-6s %s executions, %s, corpus %s files, %s s, ' "$s" "${execs:-?}" \
	    "${cov:-cov: ? ft: ?}" "$files" "$((t1 - t0))"
	printf '%s in nuscope, %s in the HDF5 library' "$ours" "$lib"
	[ "$unrep" -eq 0 ] || printf ', %s not repeated alone' "$unrep"
	if [ "$ours" -gt 0 ] || [ -z "$last" ]; then
		failed=1
		printf ': FAILED%s\n' "$report"
		[ -n "$last" ] || echo "    libFuzzer did not run: see $log"
	else
		printf '\n'
	fi
	[ $rc -eq 0 ] || [ "$ours$lib$unrep" != 000 ] || echo "    (libFuzzer exited with $rc: see $log)"
done
exit $failed
