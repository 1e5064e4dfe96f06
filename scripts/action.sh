#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml), kept out of YAML so they can be read, linted and
# run locally. Inputs come in as INPUT_* environment variables, never interpolated into code.
#
#   action.sh plan      choose how to install; writes cache-key, bin-dir, version to $GITHUB_OUTPUT
#   action.sh install   put iamlint in $BIN_DIR: a release download, else cargo install
#   action.sh run       run the check (SARIF file and console format); writes exit-code
#   action.sh finish    exit as the check did, honouring fail-on: none
set -euo pipefail

ACTION_DIR=${ACTION_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
RELEASES_URL=${RELEASES_URL:-https://github.com/iamlint/iamlint/releases/download}

die() {
  echo "::error title=iamlint action::$*"
  exit 2
}

output() {
  echo "$1=$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

# The version in the action's own Cargo.toml: what `cargo install` from this checkout builds.
own_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_DIR/Cargo.toml" | head -n 1
}

# The Rust target triple of the runner, named as release archives are.
target_triple() {
  local arch os
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=x86_64 ;;
    ARM64 | arm64 | aarch64) arch=aarch64 ;;
    *) return 1 ;;
  esac
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux) os=unknown-linux-musl ;;
    macOS | Darwin) os=apple-darwin ;;
    Windows | MINGW* | MSYS*) os=pc-windows-msvc ;;
    *) return 1 ;;
  esac
  echo "$arch-$os"
}

# A digest of what `cargo install --path` would build, so the cache follows the source.
source_digest() {
  (
    cd "$ACTION_DIR"
    find Cargo.toml Cargo.lock src rules -type f -print0 | sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-16
}

plan() {
  local version=${INPUT_VERSION:-}
  version=${version#v}
  [ -n "$version" ] || version=$(own_version)
  [ -n "$version" ] || die "cannot read the version from $ACTION_DIR/Cargo.toml"
  local source=""
  # Built from this checkout only when it is the version asked for; its digest then keys the
  # cache, so a branch or a SHA of the action rebuilds when its code changes.
  [ "$version" = "$(own_version)" ] && source=-$(source_digest)
  output version "$version"
  output bin-dir "${RUNNER_TEMP:?}/iamlint-$version/bin"
  output cache-key "iamlint-$version$source-${RUNNER_OS:-local}-${RUNNER_ARCH:-local}"
}

# Download and verify a release archive; fails quietly when there is none for this version or
# runner, so install falls back to building.
download_release() {
  local version=$1 bin_dir=$2 target archive tmp
  target=$(target_triple) || return 1
  archive="iamlint-v$version-$target.tar.gz"
  tmp=$(mktemp -d)
  curl --fail --silent --show-error --location --retry 3 \
    -o "$tmp/$archive" "$RELEASES_URL/v$version/$archive" 2>/dev/null || return 1
  curl --fail --silent --show-error --location --retry 3 \
    -o "$tmp/$archive.sha256" "$RELEASES_URL/v$version/$archive.sha256" || return 1
  (cd "$tmp" && sha256sum --check --status "$archive.sha256") ||
    die "checksum mismatch for $archive"
  mkdir -p "$bin_dir"
  tar -xzf "$tmp/$archive" -C "$bin_dir"
  rm -rf "$tmp"
}

install() {
  local version=${VERSION:?} bin_dir=${BIN_DIR:?}
  if [ -x "$bin_dir/iamlint" ] || [ -x "$bin_dir/iamlint.exe" ]; then
    echo "iamlint $version restored from the cache"
  elif download_release "$version" "$bin_dir"; then
    echo "iamlint $version downloaded from the release"
  else
    local root
    root=$(dirname "$bin_dir")
    if [ "$version" = "$(own_version)" ]; then
      echo "no release archive for iamlint $version on this runner: building the action's checkout"
      cargo install --locked --path "$ACTION_DIR" --root "$root"
    else
      echo "no release archive for iamlint $version on this runner: building it from crates"
      cargo install --locked iamlint --version "=$version" --root "$root"
    fi
  fi
  echo "$bin_dir" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
}

run() {
  local format=${INPUT_FORMAT:-github} fail_on=${INPUT_FAIL_ON:-low}
  local sarif=${INPUT_SARIF_FILE:-} upload=${INPUT_UPLOAD_SARIF:-true}
  local args=(check)
  # One path per line, so paths may contain spaces.
  while IFS= read -r path; do
    [ -n "$path" ] && args+=("$path")
  done <<<"${INPUT_PATH:-.}"
  [ ${#args[@]} -gt 1 ] || args+=(.)
  [ -z "${INPUT_CONFIG:-}" ] || args+=(--config "$INPUT_CONFIG")
  case "$fail_on" in
    none) args+=(--fail-on critical) ;;
    critical | high | medium | low | info) args+=(--fail-on "$fail_on") ;;
    *) die "fail-on must be critical, high, medium, low, info or none, not '$fail_on'" ;;
  esac
  if [ "$upload" = true ] && [ -z "$sarif" ]; then
    die "upload-sarif is true but sarif-file is empty"
  fi

  # Two runs, one per format: the SARIF file for code scanning, and the console format (by
  # default annotations plus the job summary). Templates are small; the second run is cheap.
  if [ -n "$sarif" ]; then
    local sarif_code=0
    iamlint "${args[@]}" --quiet --format sarif --output "$sarif" || sarif_code=$?
    if [ "$sarif_code" -gt 2 ] || [ ! -s "$sarif" ]; then
      die "iamlint could not write $sarif (exit $sarif_code)"
    fi
    output sarif-file "$sarif"
  fi
  local code=0
  iamlint "${args[@]}" --format "$format" || code=$?
  output exit-code "$code"
}

finish() {
  local code=${EXIT_CODE:-} fail_on=${INPUT_FAIL_ON:-low}
  [ -n "$code" ] || die "the check did not run"
  if [ "$code" = 1 ] && [ "$fail_on" = none ]; then
    echo "iamlint found problems; fail-on is none, so the job goes on"
    exit 0
  fi
  case "$code" in
    0) ;;
    1) echo "iamlint: findings at or above '$fail_on' (exit 1)" ;;
    *) echo "iamlint: an input could not be read or the options are invalid (exit $code)" ;;
  esac
  exit "$code"
}

case "${1:-}" in
  plan | install | run | finish) "$1" ;;
  *)
    echo "usage: $0 plan|install|run|finish" >&2
    exit 2
    ;;
esac
