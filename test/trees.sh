# trees.sh - sourced by test/qemu/qemu-test.sh and test/vm/vm-test.sh.
#
# find_trees: the user's trees, from the environment or from the trees
# themselves:
#   L4RE_OBJ    the L4Re build directory (must be given; made absolute)
#   L4DIR       its sources: given, or the build's "source" link, or the
#               SRC line of its Makefile
#   FIASCO_OBJ  the Fiasco build directory: given, or what the tree's
#               Makeconf.boot names (then TREES_FIASCO_FROM_TREE=1);
#               made absolute
# Returns 0, or 1 with the reason in TREES_ERR.

find_trees() {
	TREES_ERR=
	TREES_FIASCO_FROM_TREE=0
	if [ -z "${L4RE_OBJ:-}" ]; then
		TREES_ERR="no L4RE_OBJ given"
		return 1
	fi
	if [ ! -d "$L4RE_OBJ" ]; then
		TREES_ERR="L4RE_OBJ=$L4RE_OBJ is no directory"
		return 1
	fi
	L4RE_OBJ=$(cd "$L4RE_OBJ" && pwd)
	if [ -z "${L4DIR:-}" ]; then
		if [ -d "$L4RE_OBJ/source" ]; then
			L4DIR=$(cd "$L4RE_OBJ/source" && pwd -P)
		elif [ -f "$L4RE_OBJ/Makefile" ]; then
			L4DIR=$(sed -n 's/^SRC *:= *//p' "$L4RE_OBJ/Makefile" | head -n 1)
		fi
	fi
	if [ -z "${L4DIR:-}" ] || [ ! -f "$L4DIR/mk/Makeconf" ]; then
		TREES_ERR="cannot find the L4Re sources of $L4RE_OBJ (no source link; give L4DIR=<path to src/l4>)"
		return 1
	fi
	if [ -z "${FIASCO_OBJ:-}" ] && [ -x "$L4DIR/tool/bin/makeconf" ]; then
		FIASCO_OBJ=$("$L4DIR/tool/bin/makeconf" "$L4RE_OBJ" FIASCO_OBJ 2>/dev/null |
			sed -n "s/^MAKECONF_FIASCO_OBJ='\(.*\)'$/\1/p")
		[ -n "$FIASCO_OBJ" ] && TREES_FIASCO_FROM_TREE=1
	fi
	if [ -z "${FIASCO_OBJ:-}" ]; then
		TREES_ERR="FIASCO_OBJ not given (the Fiasco build directory)"
		return 1
	fi
	if [ ! -f "$FIASCO_OBJ/fiasco" ]; then
		TREES_ERR="no fiasco binary in FIASCO_OBJ=$FIASCO_OBJ"
		return 1
	fi
	FIASCO_OBJ=$(cd "$FIASCO_OBJ" && pwd)
	return 0
}
