#!/usr/bin/env bash
# Refreshes the vendored front-end assets from the npm registry at pinned versions:
#   - NHS.UK frontend (MIT): CSS compiled from its Sass with the clinic's settings (system fonts,
#     asset paths under /static/vendor/nhsuk-frontend/) and the icons that CSS uses;
#   - axe-core (MPL-2.0): the accessibility engine the browser tests inject into each page.
# Only `make vendor-assets` runs this (it needs node and npm); `make run` and `make test` use the
# committed copies. Each folder's README.md records the version, the source and every file's
# SHA-256, written by this script.
set -euo pipefail

NHSUK_VERSION=10.6.1
SASS_VERSION=1.97.3
AXE_VERSION=4.14.1

root="$(cd "$(dirname "$0")/.." && pwd)"
nhs_dir="$root/src/ketaclinic/entrypoints/web/static/vendor/nhsuk-frontend"
axe_dir="$root/tests/e2e/browser/vendor/axe-core"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch <package> <version> <into>: the registry tarball, integrity-checked by npm
  local tarball
  tarball="$(cd "$work" && npm pack --silent "$1@$2")"
  mkdir -p "$3"
  tar -xzf "$work/$tarball" -C "$3" --strip-components=1
}

write_readme() {  # write_readme <dir> <title> <package> <version> <licence> <notes>
  local dir="$1" integrity
  integrity="$(npm view "$3@$4" dist.integrity)"
  {
    echo "# $2 (vendored)"
    echo
    echo "- Package: \`$3\` version $4 from the npm registry (https://www.npmjs.com/package/$3)"
    echo "- Tarball integrity: \`$integrity\`"
    echo "- Licence: $5 (see LICENSE in this folder)"
    echo "- Refresh: \`make vendor-assets\` (scripts/vendor-assets.sh pins the version)"
    echo
    echo "$6"
    echo
    echo "## Files (SHA-256)"
    echo
    echo '```'
    (cd "$dir" && find . -type f ! -name README.md | sort | sed 's|^\./||' \
      | xargs sha256sum)
    echo '```'
  } > "$dir/README.md"
}

vendor_nhsuk() {
  local pkg="$work/nhsuk-frontend"
  fetch nhsuk-frontend "$NHSUK_VERSION" "$pkg"
  if [ "$(node -p "require('$pkg/package.json').license")" != "MIT" ]; then
    echo "nhsuk-frontend $NHSUK_VERSION is no longer MIT licensed: review before vendoring" >&2
    exit 1
  fi
  cat > "$work/nhsuk.scss" <<SCSS
// Frutiger is licensed for NHS services only and is served from an NHS CDN: use system fonts.
@use "$pkg/dist/nhsuk/index" as * with (
  \$nhsuk-assets-path: "/static/vendor/nhsuk-frontend/assets/",
  \$nhsuk-font-family: (system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif),
  \$nhsuk-include-font-face: false
);
SCSS
  rm -rf "$nhs_dir/assets" "$nhs_dir"/*.css
  mkdir -p "$nhs_dir/assets/images"
  (cd "$work" && npm exec --yes --package="sass@$SASS_VERSION" -- sass --no-source-map \
    --style=compressed --quiet-deps "$work/nhsuk.scss" "$nhs_dir/nhsuk-frontend.min.css")
  if grep -q "https\?://" "$nhs_dir/nhsuk-frontend.min.css"; then
    echo "the compiled NHS.UK frontend CSS still refers to a remote URL" >&2
    exit 1
  fi
  for image in $(grep -o 'images/[a-z0-9-]*\.svg' "$nhs_dir/nhsuk-frontend.min.css" | sort -u); do
    cp "$pkg/dist/nhsuk/assets/$image" "$nhs_dir/assets/$image"
  done
  write_readme "$nhs_dir" "NHS.UK frontend" nhsuk-frontend "$NHSUK_VERSION" "MIT" \
    "nhsuk-frontend.min.css is compiled with sass $SASS_VERSION from the package's
dist/nhsuk/index.scss with system fonts instead of Frutiger (no font is fetched from a CDN) and
the asset path /static/vendor/nhsuk-frontend/assets/ (only the icons the CSS uses are copied; the
NHS logo and favicon are not: they identify NHS services). The package ships no LICENSE file; LICENSE
here is the project's MIT licence text. The NHS.UK JavaScript is not used."
}

vendor_axe() {
  local pkg="$work/axe-core"
  fetch axe-core "$AXE_VERSION" "$pkg"
  rm -rf "$axe_dir"
  mkdir -p "$axe_dir"
  cp "$pkg/axe.min.js" "$pkg/LICENSE" "$axe_dir/"
  write_readme "$axe_dir" "axe-core" axe-core "$AXE_VERSION" "MPL-2.0" \
    "axe.min.js is injected into pages by tests/e2e/browser/test_accessibility.py; it is never
served by the application."
}

vendor_nhsuk
vendor_axe
echo "vendored nhsuk-frontend $NHSUK_VERSION and axe-core $AXE_VERSION"
