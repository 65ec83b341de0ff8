#!/usr/bin/env bash
# Re-vendor the CSS/JS/fonts that Great Expectations' Data Docs load from CDNs (the versions its
# templates name), so that the docs render on a machine without internet: expectations/data_docs.py
# points the pages at these copies. Needs npm and its registry; the result is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=expectations/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PACKAGES=(bootstrap@4.3.1 bootstrap-table@1.19.1 jquery@3.7.1 popper.js@1.12.9 bootstrap-datepicker@1.9.0
          @fortawesome/fontawesome-free@6.6.0)
(cd "$WORK" && npm pack --silent "${PACKAGES[@]}" >/dev/null)
for tgz in "$WORK"/*.tgz; do
  name=$(basename "$tgz" .tgz); mkdir -p "$WORK/$name"; tar xzf "$tgz" -C "$WORK/$name" --strip-components=1
done
rm -rf "$OUT"
take() {  # take PACKAGE_DIR FILE... : copy the files (paths inside the package) under OUT/PACKAGE_DIR
  local pkg=$1; shift
  for file in "$@"; do install -D -m 0644 "$WORK/$pkg/$file" "$OUT/$pkg/$file"; done
  for license in LICENSE LICENSE.txt LICENSE.md; do
    [ -f "$WORK/$pkg/$license" ] && install -D -m 0644 "$WORK/$pkg/$license" "$OUT/$pkg/$license"
  done
  return 0
}
take bootstrap-4.3.1 dist/css/bootstrap.min.css dist/js/bootstrap.min.js
take bootstrap-table-1.19.1 dist/bootstrap-table.min.css dist/bootstrap-table.min.js \
  dist/extensions/filter-control/bootstrap-table-filter-control.css \
  dist/extensions/filter-control/bootstrap-table-filter-control.min.css \
  dist/extensions/filter-control/bootstrap-table-filter-control.min.js
take jquery-3.7.1 dist/jquery.min.js
take popper.js-1.12.9 dist/umd/popper.min.js
take bootstrap-datepicker-1.9.0 dist/css/bootstrap-datepicker.min.css dist/js/bootstrap-datepicker.min.js
take fortawesome-fontawesome-free-6.6.0 css/all.min.css webfonts/fa-solid-900.woff2 \
  webfonts/fa-regular-400.woff2 webfonts/fa-brands-400.woff2 webfonts/fa-v4compatibility.woff2
du -sh "$OUT"
