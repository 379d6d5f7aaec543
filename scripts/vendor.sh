#!/usr/bin/env bash
# Rebuild crates/web/static/vendor/ from the npm registry.
#
# Every package is pinned to an exact version and its tarball is checked against the
# sha512 integrity the registry published, so running this twice gives byte-identical
# files. To upgrade: change a version below, run once, copy the new integrity from the
# error message, check the diff, update VERSIONS.md, then run scripts/gen-reference.mjs.
#
# Needs: bash, node + npm, tar, coreutils.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/crates/web/static/vendor"

# package  version  integrity (npm dist.integrity)
packages=(
  "htmx.org 2.0.11 sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
  "us-atlas 3.0.1 sha512-wEIZCq0ImPvGblTd8gZMqNNCPkQshugMUG/8nkSWXb02+XqNFREg9atHOKP9w6prLZTpqcLhSvdBW81MkV3/0Q=="
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # name version integrity -> unpacks into $work/<name>/package
  local name="$1" version="$2" integrity="$3" tgz actual
  mkdir -p "$work/$name"
  tgz="$(cd "$work/$name" && npm pack --silent "$name@$version" | tail -n 1)"
  actual="$(node -e 'const c=require("crypto"),f=require("fs");
    process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' \
    "$work/$name/$tgz")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "vendor.sh: integrity mismatch for $name@$version" >&2
    echo "  expected $integrity" >&2
    echo "  got      $actual" >&2
    exit 1
  fi
  tar -xzf "$work/$name/$tgz" -C "$work/$name"
}

for entry in "${packages[@]}"; do
  # shellcheck disable=SC2086
  fetch $entry
done

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/images" "$dest.tmp/licenses"

htmx="$work/htmx.org/package"
leaflet="$work/leaflet/package"
atlas="$work/us-atlas/package"

install -m 0644 "$htmx/dist/htmx.min.js"          "$dest.tmp/htmx.min.js"
install -m 0644 "$leaflet/dist/leaflet.js"        "$dest.tmp/leaflet.js"
install -m 0644 "$leaflet/dist/leaflet.css"       "$dest.tmp/leaflet.css"
for img in layers-2x.png layers.png marker-icon-2x.png marker-icon.png marker-shadow.png; do
  install -m 0644 "$leaflet/dist/images/$img"     "$dest.tmp/images/$img"
done
install -m 0644 "$atlas/counties-10m.json"        "$dest.tmp/counties-10m.json"
install -m 0644 "$atlas/states-10m.json"          "$dest.tmp/states-10m.json"

install -m 0644 "$htmx/LICENSE"                   "$dest.tmp/licenses/htmx.org.LICENSE"
install -m 0644 "$leaflet/LICENSE"                "$dest.tmp/licenses/leaflet.LICENSE"
install -m 0644 "$atlas/LICENSE"                  "$dest.tmp/licenses/us-atlas.LICENSE"

# VERSIONS.md is hand-written; keep it across the swap.
if [[ -f "$dest/VERSIONS.md" ]]; then
  cp "$dest/VERSIONS.md" "$dest.tmp/VERSIONS.md"
fi

rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "vendored into ${dest#"$root"/}:"
(cd "$dest" && find . -type f ! -name VERSIONS.md | LC_ALL=C sort | xargs sha256sum)
