#!/usr/bin/env bash
# Tier check: checkpatch.pl --strict on every patch (the base's own, 6.12's
# for v5.10) and on drivers/ (6.12's),
# the Cc: stable patches applying to the plain base on their own
# (stable_alone.sh), sparse and W=1 on the kernel files each series touches
# (a warning on a line the series added fails), every patch of a series
# compiling on its own (bisectable), the module built with -Werror and
# sparse, and the scripts' own fixture tests.  A part whose checks all
# passed is kept in the cache under an id of its inputs, and a run with
# the same inputs reports it again without running it (part, below).
#   scripts/check.sh [base ...]               every check, then the verdict
#   scripts/check.sh --only checkpatch [base ...] | --only fixtures | --only BASE
#       one part's results, kept in out/check for --collect (make test
#       runs checkpatch and the fixtures with the first base's prove
#       rounds and a base's part as soon as its tree is final, beside
#       the stages that follow)
#   scripts/check.sh --collect [base ...]     as the first form, taking the
#       parts --only left in this run's out/check instead of running them
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=all
case ${1:-} in
--only | --collect)
	mode=${1#--}
	shift
	;;
esac
only=
if [ "$mode" = only ]; then
	only=${1:-}
	[ -n "$only" ] || die "--only takes one part: checkpatch [base ...] or a base"
	shift
	# A base's part checks that base; checkpatch, the series of the bases after it.
	case $only in checkpatch | fixtures) ;; *) set -- "$only" ;; esac
fi
bases=("$@")
[ ${#bases[@]} -gt 0 ] || read -r -a bases <<<"$BASES"
# checkpatch_of BASE: the checkpatch.pl that judges BASE's series: the
# base's own, but 5.10's lacks checks the kit's patches must pass, so
# v5.10's series and the module's sources are judged by 6.12's.
checkpatch_of() {
	local b=v6.12
	[ "${1:-v5.10}" = v5.10 ] || b=$1
	[ -f "$CACHE/src/$b/scripts/checkpatch.pl" ] ||
		die "$b's checkpatch.pl is needed; run 'make fetch BASE=$b'"
	echo "$CACHE/src/$b/scripts/checkpatch.pl"
}
out=$OUT/check
mkdir -p "$out"
ktap=$out/check.ktap
n=0
lines=()
# record ok|fail NAME [DIAGNOSTIC]: one result as a line for result() to
# take later, from a job that runs beside the others.
record() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}"; }
result() { # ok|fail name [diagnostic]
	n=$((n + 1))
	[ -z "${3:-}" ] || lines+=("    # $2: $3")
	if [ "$1" = ok ]; then lines+=("    ok $n $2"); else lines+=("    not ok $n $2"); fi
}

# checkpatch's findings, one paragraph each, without the summary line and
# without a spelling finding on a Fixes: tag: the tag quotes the upstream
# subject as it is (c05a5a40969e's says "entires").
checkpatch_findings() { # checkpatch.pl [options] file
	local checkpatch=$1
	shift
	# checkpatch exits 1 on any finding; what is left after the filter decides.
	{ perl "$checkpatch" "$@" 2>&1 || true; } | awk 'BEGIN { RS = ""; ORS = "\n\n" }
		/^total: / { next }
		/^WARNING:TYPO_SPELLING:/ && $0 ~ /\nFixes: [0-9a-f]+ \("/ { next }
		{ print }'
}

# checkpatch on every patch and every module source file: one
# "ok|fail<TAB>case<TAB>finding" line each, a part of its own (part()
# below: perl, one process, about 100 s on a slow machine).
shopt -s nullglob
for b in "${bases[@]}"; do checkpatch_of "$b" >/dev/null; done
checkpatch_of >/dev/null
checkpatch_all() {
	# Only the series of the bases checked.
	series=()
	for b in "${bases[@]}"; do series+=("$OFRECONF_TOP"/patches/"$b"/[0-9][0-9][0-9][0-9]-*.patch); done
	for p in "${series[@]}" "$OFRECONF_TOP"/drivers/*.[ch]; do
		case $(basename "$p") in 0000-cover-letter.patch) continue ;; esac
		# The Debian trees carry no upstream history, so checkpatch cannot look
		# up the commit ids a changelog cites (UNKNOWN_COMMIT_ID); new test files
		# sit in directories MAINTAINERS already covers (FILE_PATH_CHANGES); a
		# stable fix that adds what the base never had (5.10's INTx teardown)
		# has no commit to name in Fixes: (MISSING_FIXES_TAG).
		flags=(--strict --no-tree --quiet --show-types
			--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES,MISSING_FIXES_TAG)
		rel=${p#"$OFRECONF_TOP"/}
		# A patch's case is named by its base and number (v6_12_patch_3_checkpatch),
		# as the subject in its file name may change; a driver file's by its path.
		case $p in
		*.patch)
			b=$(basename "$(dirname "$p")")
			name=${b//./_}_patch_$((10#$(basename "$p" | cut -c1-4)))_checkpatch
			checkpatch=$(checkpatch_of "$b")
			;;
		*)
			flags+=(-f)
			name=checkpatch_${rel//[^A-Za-z0-9]/_}
			checkpatch=$(checkpatch_of)
			;;
		esac
		if msg=$(checkpatch_findings "$checkpatch" "${flags[@]}" "$p") && [ -z "$msg" ]; then
			record ok "$name"
		else
			echo "$msg" >"$out/${rel//\//_}.checkpatch"
			record fail "$name" "$(echo "$msg" | grep -m1 -E 'ERROR|WARNING|CHECK')"
		fi
	done
}

# Added lines of a series: "file:line" for each line a patch adds.
added_lines() {
	git -C "$1" diff -U0 "$2" "$3" | awk '
		/^\+\+\+ b\// { f = substr($0, 7) }
		/^@@/ { split($3, a, ","); l = substr(a[1], 2); c = (a[2] == "" ? 1 : a[2]);
			for (i = 0; i < c; i++) print f ":" (l + i) }'
}

# check_series BASE: its stable patches alone, sparse and W=1, each patch
# compiling and the module, as records on stdout.  The bases run side
# by side, each in its own tree and build directory, with a build lock
# of its own: these builds compile a few objects each, and one base
# after the other left a core idle for minutes once the last vm tier
# beside them had ended.
check_series() {
	local base=$1
	src=$(src_dir "$base")

	# The Cc: stable patches, in order, apply to the plain base without
	# the untagged ones (a temporary worktree at the base's tag).
	if "$OFRECONF_TOP/scripts/stable_alone.sh" "$base" >"$out/$base.stable_alone.log" 2>&1; then
		record ok "${base//./_}_stable_patches_apply_alone"
	else
		record fail "${base//./_}_stable_patches_apply_alone" \
			"$(sed -n 's/^ofreconf: error: //p' "$out/$base.stable_alone.log" | head -n 1) (log $out/$base.stable_alone.log)"
	fi
	head=ofreconf/$base
	git -C "$src" rev-parse -q --verify "$head" >/dev/null ||
		die "$base has no applied series; run 'make build BASE=$base' first"
	files=$(git -C "$src" diff --name-only "$base" "$head" -- '*.c' | tr '\n' ' ')
	objs=$(for f in $files; do echo "${f%.c}.o"; done | tr '\n' ' ')
	# Only objects the guest config builds.
	built=()
	for o in $objs; do [ -f "$(build_dir "$base")/$o" ] && built+=("$o"); done

	# sparse and W=1 on the touched objects: warnings on added lines fail.
	if [ ${#built[@]} -gt 0 ]; then
		touch -c "${built[@]/#/$src/}" 2>/dev/null || true
		kmake "$base" C=2 W=1 "${built[@]}" >"$out/$base.sparse.log" 2>&1 || true
		added_lines "$src" "$base" "$head" >"$out/$base.added"
		bad=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error)' "$out/$base.sparse.log" |
			sed "s|^$src/||; s|^\.\./[^ ]*/src/$base/||" |
			while IFS=: read -r f l _; do
				if grep -qxF "$f:$l" "$out/$base.added"; then echo "$f:$l"; fi
			done | head -n 3 | tr '\n' ' ' || true)
		if [ -z "$bad" ]; then
			record ok "${base//./_}_sparse_w1_no_new_warnings"
		else
			record fail "${base//./_}_sparse_w1_no_new_warnings" "warnings at $bad (log $out/$base.sparse.log)"
		fi
	fi

	# Bisectable: each patch's tree compiles the objects touched so far.
	# syncconfig at an early patch drops from .config the options of the
	# suites later patches add; left so, they would come back as new and
	# off, and their code would not be compiled.  So the guest .config goes
	# back at the first patch and at each patch that changes a Kconfig
	# file (where an option can appear), and only there: a restored
	# .config is newer than the build's own and runs syncconfig again.
	# Measured on v6.12 (17 patches, 6 of them change a Kconfig file), a
	# warm check of that base alone on a slow 2-core machine: 145 s
	# restoring before every make, 94 s restoring only there, and .config
	# and auto.conf the same after each of the 17 makes either way.
	cfg=$(build_dir "$base")/.config
	cp "$cfg" "$out/$base.config"
	commits=$(git -C "$src" rev-list --reverse "$base..$head")
	# The checkouts rewrite every file the series changes.  Their times go
	# back after, so that the next build does not recompile all that
	# depends on them (v7.3's asm/interrupt.h: most of the kernel); the
	# objects compiled here from other contents are compiled again below.
	stamps=$(git -C "$src" diff --name-only "$base" "$head" | while read -r f; do
		[ ! -f "$src/$f" ] || echo "$(stat -c %Y "$src/$f") $f"
	done)
	i=0
	for c in $commits; do
		i=$((i + 1))
		git -C "$src" checkout -q "$c"
		if [ $i = 1 ] || [ -n "$(git -C "$src" diff --name-only "$c~1" "$c" -- '*Kconfig*')" ]; then
			cmp -s "$out/$base.config" "$cfg" || cp "$out/$base.config" "$cfg"
		fi
		these=()
		for o in "${built[@]}"; do [ -f "$src/${o%.o}.c" ] && these+=("$o"); done
		if kmake "$base" "${these[@]}" >"$out/$base.bisect.$i.log" 2>&1; then
			record ok "${base//./_}_patch_${i}_compiles_alone"
		else
			record fail "${base//./_}_patch_${i}_compiles_alone" "see $out/$base.bisect.$i.log"
		fi
	done
	git -C "$src" checkout -q "$head"
	cmp -s "$out/$base.config" "$cfg" || cp "$out/$base.config" "$cfg"
	while read -r t f; do [ -z "$f" ] || touch -c -d "@$t" "$src/$f"; done <<<"$stamps"
	# Leave the touched objects rebuilt from the series head.
	for o in "${built[@]}"; do touch -c "$src/${o%.o}.c"; done
	[ ${#built[@]} -eq 0 ] || kmake "$base" "${built[@]}" >/dev/null 2>&1 || true

	# The module: -Werror is in Kbuild; here sparse too.
	if MODULE_OUT=$CACHE/module/check-$base "$OFRECONF_TOP/scripts/module.sh" "$base" >/dev/null 2>&1 &&
		make -C "$(build_dir "$base")" M="$CACHE/module/check-$base" ARCH=powerpc \
			CROSS_COMPILE="$CROSS" C=2 W=1 modules >"$out/$base.module-sparse.log" 2>&1 &&
		! grep -qE '(warning|error):' "$out/$base.module-sparse.log"; then
		record ok "${base//./_}_module_builds_werror_sparse_clean"
	else
		record fail "${base//./_}_module_builds_werror_sparse_clean" "see $out/$base.module-sparse.log"
	fi
}
# The scripts' own fixture tests (scripts/tests/test_*.py: the KTAP judge,
# the mutant judge, apply.sh on a toy tree, the ids of the kept prove
# kernels and boots and of the check's parts, the guest's timeline): one
# result, under the name it had when only the judges had tests.  Then
# the README's insmod line, which must be the one the guest runs on XICS
# (scripts/guest/init.sh, devices from ofreconf_test.params, strict=0).
# A part of its own, never kept (about 15 s): make test runs it beside
# the first base's prove rounds, not in the run's last minute.
fixtures_all() {
	if KUNIT_PY=$CACHE/src/v6.12/tools/testing/kunit/kunit.py \
		python3 -m unittest discover -s "$OFRECONF_TOP/scripts/tests" >"$out/test_ktap.log" 2>&1; then
		record ok ktap_judge_fixture_tests
	else
		record fail ktap_judge_fixture_tests "$(grep -m1 -E '^(FAIL|ERROR):' "$out/test_ktap.log") (log $out/test_ktap.log)"
	fi
	local readme_insmod
	readme_insmod="    insmod ofreconf_test.ko pci_devs=$(sed -n 's/^pci_devs=//p' \
		"$OFRECONF_TOP/scripts/guest/ofreconf_test.params") strict=0"
	if grep -qxF -- "$readme_insmod" "$OFRECONF_TOP/README.md"; then
		record ok readme_insmod_is_the_guests
	else
		record fail readme_insmod_is_the_guests "README.md lacks the line '$readme_insmod'"
	fi
}

# part NAME: the records of one part (checkpatch, the fixtures, or a
# base's series) in out/check/NAME.results, written only once the part
# has run to its end.
# A part whose every check passed keeps its records in the cache under its
# check_id (scripts/lib.sh), only the latest id of each part: a later run
# with the same id reports them again, each case saying so, without
# running them (OFRECONF_CHECK_AGAIN=1 runs them anyway).  A part with a
# failure always runs again, and leaves its logs.
part() {
	# Not "name": checkpatch_all sets that one (bash scopes dynamically).
	local part_name=$1 id kept=$CACHE/check-kept/$1
	if [ "$part_name" = checkpatch ]; then
		id=$(check_id checkpatch v6.12 "${bases[@]}") || id=
	elif [ "$part_name" = fixtures ]; then
		id=
	else
		check_base "$part_name"
		id=$(check_id "$part_name" "$part_name") || id=
	fi
	if [ -n "$id" ] && [ -f "$kept/$id" ] && [ "${OFRECONF_CHECK_AGAIN:-0}" != 1 ]; then
		echo "ofreconf: check $part_name: its inputs are those of an earlier run whose checks all passed; their results are reported again ($kept/$id)"
		awk -F'\t' -v OFS='\t' -v id="$id" \
			'{ $3 = "kept: passed in an earlier run with the same inputs (check id " id ")"; print }' \
			"$kept/$id" >"$out/$part_name.results"
		return
	fi
	if [ "$part_name" = checkpatch ]; then
		checkpatch_all
	elif [ "$part_name" = fixtures ]; then
		fixtures_all
	else
		# Its few-object builds beside the other stages' (see check_series).
		export OFRECONF_BUILD_LOCK=$CACHE/build.lock.check-$part_name
		check_series "$part_name"
	fi >"$out/$part_name.results.part"
	mv "$out/$part_name.results.part" "$out/$part_name.results"
	if [ -n "$id" ] && [ -s "$out/$part_name.results" ] &&
		awk -F'\t' '$1 != "ok" { bad = 1 } END { exit bad }' "$out/$part_name.results"; then
		rm -rf "$kept"
		mkdir -p "$kept"
		cp "$out/$part_name.results" "$kept/$id"
	fi
}
if [ "$mode" = only ]; then
	part "$only"
	exit 0
fi

# The parts side by side (--collect: those --only has not left).
parts=(checkpatch fixtures "${bases[@]}")
jobs=() running=()
for p in "${parts[@]}"; do
	[ "$mode" = collect ] && [ -f "$out/$p.results" ] && continue
	rm -f "$out/$p.results"
	(part "$p") &
	jobs+=($!) running+=("$p")
done

stopped=()
for i in "${!jobs[@]}"; do wait "${jobs[$i]}" || stopped+=("${running[$i]}"); done
[ ${#stopped[@]} -eq 0 ] || die "the check's ${stopped[*]} part stopped; see the error above"
while IFS=$'\t' read -r status name finding; do
	result "$status" "$name" "$finding"
done < <(for p in "${parts[@]}"; do cat "$out/$p.results"; done)

{
	echo "KTAP version 1"
	echo "1..1"
	echo "    KTAP version 1"
	echo "    # Subtest: ofreconf_check"
	echo "    1..$n"
	printf '%s\n' "${lines[@]}"
	if printf '%s\n' "${lines[@]}" | grep -q '^    not ok'; then echo "not ok 1 ofreconf_check"; else echo "ok 1 ofreconf_check"; fi
} >"$ktap"
python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$ktap" "$out/ktap" \
	--kunit "$CACHE/src/v6.12/tools/testing/kunit/kunit.py" \
	--judge "$(IFS=,; echo "${bases[*]}")" check ||
	die "check: the judge found failures (the FAIL lines above; expected cases in expected/results.txt)"
