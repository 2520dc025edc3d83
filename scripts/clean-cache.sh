#!/usr/bin/env bash
# Remove everything the kit keeps in its cache: fetched sources, build
# trees, the prove rounds' kernels and kept boot results, the check's
# kept results, ccache, the guest initramfs and the private apt state.
# The next run fetches and builds from scratch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$CACHE" ] || { echo "ofreconf: no cache at $CACHE"; exit 0; }
echo "ofreconf: removing $CACHE ($(du -sh "$CACHE" 2>/dev/null | cut -f1))"
rm -rf "$CACHE"
