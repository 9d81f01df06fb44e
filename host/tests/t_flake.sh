#!/usr/bin/env bash
# t_flake.sh - flake.nix parses (the flake itself needs the network to be
# built; nix-instantiate --parse checks its syntax offline).  Skips where
# nix is not installed.
set -u
if ! command -v nix-instantiate >/dev/null 2>&1; then
	echo "flake: skipped (nix-instantiate not installed)"
	exit 0
fi
if out=$(nix-instantiate --parse flake.nix 2>&1 >/dev/null); then
	echo "PASS flake_nix_parses"
else
	echo "FAIL flake_nix_parses: $out"
fi
