# lib.sh: TAP helpers for the shell tests of the nuscope program.
# Sourced by tests/*.test; the harness sets NUSCOPE, FIXTURES, top_srcdir.

n=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nuscope-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() {    # ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# run CMD...: run the program, keeping stdout, stderr and status in $TMP
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
}

# expect STATUS DESCRIPTION: the last run exited with STATUS
expect_status() {
	if [ "$status" -eq "$1" ]; then ok 0 "$2"; else
		ok 1 "$2"
		echo "#   exit status $status, expected $1"
		sed 's/^/#   stderr: /' "$TMP/err" | head -5
	fi
}

# expect_in FILE TEXT DESCRIPTION: FILE ($TMP/out or $TMP/err) contains TEXT
expect_in() {
	if grep -qF -- "$2" "$1"; then ok 0 "$3"; else
		ok 1 "$3"
		echo "#   '$2' not found in:"
		sed 's/^/#   | /' "$1" | head -10
	fi
}

# expect_not_in FILE TEXT DESCRIPTION: FILE does not contain TEXT
expect_not_in() {
	if grep -qF -- "$2" "$1"; then
		ok 1 "$3"
		echo "#   '$2' found"
	else
		ok 0 "$3"
	fi
}

# headless KEYS [ARGS...]: run the terminal UI on an off-screen terminal
# (120x40 unless ARGS say --size), feeding it KEYS; the last screen goes
# to $TMP/out
headless() {
	# (a name of its own: a test's $keys must survive the call)
	headless_keys=$1
	shift
	LC_ALL=C TERM=xterm-256color run "$NUSCOPE" tui --headless "$headless_keys" "$@"
}

# wait_in FILE REGEX: wait (60 s at most) until a background command's
# output FILE has a line matching REGEX
wait_in() {
	wait_i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null && [ $wait_i -lt 600 ]; do
		sleep 0.1
		wait_i=$((wait_i + 1))
	done
}

need_fixtures() {
	if [ ! -f "$FIXTURES/expected.json" ]; then
		echo "1..0 # SKIP no fixtures (needs Python with h5py)"
		exit 0
	fi
}

# need_mpi: skip the whole test unless nuscope was built with MPI and a
# launcher was found ($MPIRUN, from configure)
need_mpi() {
	if [ -z "${MPIRUN:-}" ]; then
		echo "1..0 # SKIP nuscope built without MPI (or no mpirun): configure --enable-mpi"
		exit 0
	fi
	if ! command -v "$MPIRUN" >/dev/null 2>&1; then
		echo "1..0 # SKIP $MPIRUN not found"
		exit 0
	fi
}

# mpi NP CMD...: run CMD as NP processes on this machine with Open MPI's
# mpirun: more processes than cores (--oversubscribe), as root too (the
# two variables), shared memory between the processes without the
# single-copy mechanism that containers forbid (vader over CMA), and no
# remote shell looked for; 120 s at most.  Under LeakSanitizer what Open
# MPI leaves is suppressed (tests/lsan.supp), which needs the names of
# its frames: its plugins stay loaded and stacks are unwound fully.
mpi() {
	mpi_np=$1
	shift
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
	OMPI_MCA_plm_rsh_agent= OMPI_MCA_rmaps_base_oversubscribe=1 \
	OMPI_MCA_mca_base_component_disable_dlclose=1 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
	    timeout 120 "$MPIRUN" --oversubscribe -np "$mpi_np" "$@"
}

done_testing() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
