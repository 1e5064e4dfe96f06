//! `iamlint.toml` end to end: the real binary finds the file, applies it, layers the flags over
//! it, and rejects an invalid one with exit code 2 and a pointer into it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use tempfile::TempDir;

/// A role anyone in any account can assume: one XAC002 finding (critical by default).
const OPEN_ROLE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OpenRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: "*"
            Action: sts:AssumeRole
"#;

/// A temporary repository (it has a `.git`, so the search for a configuration file stops
/// there) holding `files`.
fn repo(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, path: &str, text: &str) -> PathBuf {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn iamlint(cwd: &Path, args: &[&str]) -> Run {
    let output = cargo_bin_cmd!("iamlint")
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", run.stdout, run.stderr))
}

#[test]
fn without_a_configuration_the_open_role_fails_the_run() {
    let repo = repo(&[("stacks/app/open.yaml", OPEN_ROLE)]);
    let run = iamlint(repo.path(), &["check", "stacks"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("XAC002"), "{}", run.stdout);
}

#[test]
fn the_file_is_found_from_the_first_path_upward() {
    let repo = repo(&[
        ("iamlint.toml", "[rules]\nignore = [\"XAC002\"]\n"),
        ("stacks/app/open.yaml", OPEN_ROLE),
    ]);
    // From a subfolder, scanning `.`.
    let run = iamlint(&repo.path().join("stacks/app"), &["check", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // From outside the repository, naming a file in it.
    let outside = tempfile::tempdir().unwrap();
    let file = repo.path().join("stacks/app/open.yaml");
    let run = iamlint(outside.path(), &["check", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "iamlint.toml",
        "[rules]\nignore = [\"XAC002\"]\n",
    );
    fs::create_dir_all(outer.path().join("repo/.git")).unwrap();
    write(outer.path(), "repo/open.yaml", OPEN_ROLE);
    let run = iamlint(&outer.path().join("repo"), &["check", "."]);
    assert_eq!(
        run.code, 1,
        "a file above .git must not apply: {}",
        run.stderr
    );
}

#[test]
fn config_names_a_file_explicitly() {
    let repo = repo(&[
        ("iamlint.toml", "[rules]\nfail_on = \"info\"\n"),
        (
            "ci/lenient.toml",
            "[rules]\nignore = [\"any-aws-principal-trust\"]\n",
        ),
        ("open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["check", "--config", "ci/lenient.toml", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = iamlint(repo.path(), &["check", "--config", "ci/missing.toml", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read the configuration file ci/missing.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_invalid_file_exits_2_pointing_at_the_line_and_key() {
    let repo = repo(&[
        (
            "iamlint.toml",
            "[organization]\nid = \"o-a1b2c3d4e5\"\n\n[scan]\nmax_file_sise = \"1MB\"\n",
        ),
        ("open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.is_empty(),
        "no report for an invalid run: {}",
        run.stdout
    );
    assert!(run.stderr.contains("iamlint.toml:5:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown field `max_file_sise`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("5 │ max_file_sise"), "{}", run.stderr);
}

#[test]
fn a_rule_table_changes_the_severity_in_the_report() {
    let repo = repo(&[
        ("iamlint.toml", "[rules.XAC002]\nseverity = \"low\"\n"),
        ("open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "low is the default fail-on: {}", run.stderr);
    let report = json(&run);
    assert_eq!(report["findings"][0]["rule"], "XAC002");
    assert_eq!(report["findings"][0]["severity"], "low");
    assert_eq!(report["summary"]["by_severity"]["low"], 1);
}

#[test]
fn fail_on_from_the_file_applies_unless_the_flag_is_given() {
    let repo = repo(&[
        (
            "iamlint.toml",
            "[rules]\nfail_on = \"critical\"\n\n[rules.XAC002]\nseverity = \"high\"\n",
        ),
        ("open.yaml", OPEN_ROLE),
    ]);
    assert_eq!(iamlint(repo.path(), &["check", "."]).code, 0);
    assert_eq!(
        iamlint(repo.path(), &["check", "--fail-on", "high", "."]).code,
        1
    );
    write(repo.path(), "iamlint.toml", "[rules]\nfail_on = \"info\"\n");
    assert_eq!(iamlint(repo.path(), &["check", "."]).code, 1);
    assert_eq!(
        iamlint(repo.path(), &["check", "--fail-on", "critical", "."]).code,
        1,
        "XAC002 is critical by default"
    );
}

#[test]
fn select_on_the_command_line_replaces_the_file_and_ignore_adds_to_it() {
    let repo = repo(&[
        ("iamlint.toml", "[rules]\nignore = [\"XAC002\"]\n"),
        ("open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["check", "--select", "XAC002", "."]);
    assert_eq!(run.code, 1, "--select starts afresh: {}", run.stderr);

    write(
        repo.path(),
        "iamlint.toml",
        "[rules]\nselect = [\"XAC002\"]\n",
    );
    assert_eq!(iamlint(repo.path(), &["check", "."]).code, 1);
    let run = iamlint(repo.path(), &["check", "--ignore", "XAC002", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn scan_settings_exclude_files_and_bound_their_size() {
    let repo = repo(&[
        ("iamlint.toml", "[scan]\nexclude = [\"legacy/**\"]\n"),
        ("legacy/open.yaml", OPEN_ROLE),
        ("stacks/open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["check", "--format", "json", "."]);
    let report = json(&run);
    assert_eq!(report["summary"]["files_scanned"], 1);
    assert_eq!(report["findings"][0]["file"], "stacks/open.yaml");
    assert_eq!(report["summary"]["findings"], 1);

    // `legacy/**` is the configuration folder's `legacy`, also when a subfolder is scanned.
    write(repo.path(), "stacks/legacy/open.yaml", OPEN_ROLE);
    let run = iamlint(repo.path(), &["check", "--format", "json", "stacks"]);
    assert_eq!(json(&run)["summary"]["files_scanned"], 2);
    let run = iamlint(
        &repo.path().join("stacks"),
        &["check", "--format", "json", "."],
    );
    assert_eq!(json(&run)["summary"]["files_scanned"], 2);
    let run = iamlint(repo.path(), &["check", "--format", "json", "legacy"]);
    assert_eq!(json(&run)["summary"]["files_scanned"], 0);

    write(
        repo.path(),
        "iamlint.toml",
        "[scan]\nmax_file_size = \"100B\"\n",
    );
    let run = iamlint(repo.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 2, "a file over the limit is an input error");
    let report = json(&run);
    assert_eq!(report["summary"]["files_scanned"], 0);
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("100-byte limit"), "{message}");
}

#[test]
fn the_documented_example_is_valid() {
    let docs = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    let example = docs
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/configuration.md has a ```toml example");
    let repo = repo(&[("iamlint.toml", example)]);
    let run = iamlint(repo.path(), &["check", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn graph_reads_the_configuration_too() {
    let repo = repo(&[
        (
            "iamlint.toml",
            "[[accounts]]\nname = \"prod\"\nid = \"prod\"\n",
        ),
        ("open.yaml", OPEN_ROLE),
    ]);
    let run = iamlint(repo.path(), &["graph", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("iamlint.toml:3:6"), "{}", run.stderr);

    write(repo.path(), "iamlint.toml", "");
    let run = iamlint(repo.path(), &["graph", "--config", "iamlint.toml", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
