#!/bin/sh
# Runs the shared bgp-ingest kit (../shared/bench/bgp-ingest, next to this
# repository) against bin/reef-bgp, with BIRD and GoBGP measured in the same
# invocation so the ratios are trustworthy. Extra arguments go to the kit and
# override the defaults below (e.g. --counts 100000 --peers 10, --kernel, --withdraw).
# Needs root (namespaces). Prints the kit's table; raw runs go to --out.
#
#   bench/bgp/ingest.sh                                   # 1M prefixes, reef + BIRD + GoBGP, 2 runs
#   bench/bgp/ingest.sh --counts 100000 --peers 10
#   bench/bgp/ingest.sh --targets custom,bird --kernel --counts 100000
set -e
repo=$(cd "$(dirname "$0")/../.." && pwd)
kit=${BGP_INGEST_KIT:-$(cd "$repo/../shared/bench/bgp-ingest" 2>/dev/null && pwd)}
[ -x "$kit/run-anchors.sh" ] || { echo "ingest.sh: bgp-ingest kit not found at $repo/../shared/bench/bgp-ingest (set BGP_INGEST_KIT)" >&2; exit 2; }
out=${OUT:-/tmp/reef-bgp-ingest-$(date +%Y%m%d-%H%M%S).jsonl}
# One start first, so the measured runs load reef from Node's compile cache (bin/reef-launch).
"$repo/bin/reef-bgp" --version >/dev/null
cd "$kit"
exec ./run-anchors.sh --targets custom,bird,gobgp --name reef --counts 1000000 --runs 2 \
  --target-cmd "$repo/bin/reef-bgp --bench-config {peers_json}" \
  --count-cmd 'curl -s --unix-socket {workdir}/reef-bgp.sock http://x/rib/count' \
  --version-cmd "$repo/bin/reef-bgp --version" \
  --out "$out" "$@"
