//! The real binary against broken and hostile inputs, and the exit-code and flag contract of
//! `../shared/spec/cli.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// A hang (an alias bomb expanded forever, a symlink loop walked forever) fails the test here
/// instead of stalling the suite; real runs take well under a second.
const HANG: Duration = Duration::from_secs(60);

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/parse/bad")
        .join(name)
}

fn iamlint() -> Command {
    let mut cmd = cargo_bin_cmd!("iamlint");
    cmd.timeout(HANG).env_remove("NO_COLOR");
    cmd
}

/// Run with `--format json`; the exit code and the parsed report.
fn run_json(args: &[&Path], extra: &[&str]) -> (i32, Value) {
    let output = iamlint()
        .args(args)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), report)
}

/// The one error reported for a file whose path ends with `name`.
fn error_for<'a>(report: &'a Value, name: &str) -> &'a Value {
    let errors: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["file"].as_str().unwrap().ends_with(name))
        .collect();
    assert_eq!(errors.len(), 1, "errors for {name}: {errors:?}");
    errors[0]
}

fn position(error: &Value) -> (u64, u64) {
    (
        error["line"].as_u64().unwrap(),
        error["column"].as_u64().unwrap(),
    )
}

fn message(error: &Value) -> &str {
    error["message"].as_str().unwrap()
}

const OPEN_ROLE: &str = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  OpenRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: \"*\"}
            Action: sts:AssumeRole
";

const CLEAN_ROLE: &str = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  PinnedRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\"}
            Action: sts:AssumeRole
";

#[test]
fn every_bad_input_is_an_error_at_its_place_and_the_good_file_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();

    // Over the default 10 MB limit; generated, not committed.
    let oversized = dir.path().join("oversized.yaml");
    let mut text = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    text.push_str(&"# padding\n".repeat(1024 * 1024 + 1));
    fs::write(&oversized, text).unwrap();

    // A folder that contains a link to itself.
    let looped = dir.path().join("looped");
    fs::create_dir(&looped).unwrap();
    std::os::unix::fs::symlink(&looped, looped.join("again")).unwrap();

    let unreadable = dir.path().join("unreadable.yaml");
    fs::write(&unreadable, OPEN_ROLE).unwrap();
    fs::set_permissions(
        &unreadable,
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    // root reads the file anyway; then there is no error to expect.
    let really_unreadable = fs::read(&unreadable).is_err();

    let names = [
        "malformed.yaml",
        "malformed.json",
        "alias_bomb.yaml",
        "deep_flow.yaml",
        "deep_block.yaml",
        "deep.json",
        "not_utf8.yaml",
        "empty.yaml",
        "resources_list.yaml",
        "good.yaml",
    ];
    let mut paths: Vec<PathBuf> = names.iter().map(|n| bad(n)).collect();
    paths.extend([oversized, looped, unreadable]);
    let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (code, report) = run_json(&args, &[]);
    assert_eq!(code, 2);

    // (file, line, column, start of the message); 0 for "any line" or "any column"
    let expected: &[(&str, u64, u64, &str)] = &[
        // The unclosed `[` swallows the next line; saphyr stops at its `:`.
        ("malformed.yaml", 7, 15, "invalid YAML"),
        ("malformed.json", 5, 31, "invalid JSON: Expected comma"),
        // The first alias of `e` (66,000 nodes) takes the copies past 100,000.
        (
            "alias_bomb.yaml",
            8,
            10,
            "aliases expand to more than 100000",
        ),
        ("deep_flow.yaml", 3, 264, "nesting deeper than"),
        ("deep_block.yaml", 4, 0, "nesting deeper than 200"),
        ("deep.json", 1, 0, "nesting deeper than 200"),
        // The byte after `caf`.
        ("not_utf8.yaml", 2, 18, "not valid UTF-8"),
        ("empty.yaml", 1, 1, "empty file"),
        ("resources_list.yaml", 3, 3, "`Resources` must be a mapping"),
        (
            "oversized.yaml",
            1,
            1,
            "file is 10485809 bytes, over the 10485760-byte limit",
        ),
    ];
    for &(name, line, column, start) in expected {
        let error = error_for(&report, name);
        let (got_line, got_column) = position(error);
        if line != 0 {
            assert_eq!(got_line, line, "{name}: {error}");
        }
        if column != 0 {
            assert_eq!(got_column, column, "{name}: {error}");
        }
        assert!(message(error).starts_with(start), "{name}: {error}");
    }
    let looped_error = error_for(&report, "again");
    assert!(
        message(looped_error).contains("loop"),
        "symlink loop: {looped_error}"
    );
    if really_unreadable {
        let error = error_for(&report, "unreadable.yaml");
        assert!(message(error).starts_with("cannot read"), "{error}");
    } else {
        eprintln!(
            "note: running as root, which reads a mode-000 file; unreadable case not checked"
        );
    }

    let findings = report["findings"].as_array().unwrap();
    let good: Vec<_> = findings
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("good.yaml"))
        .collect();
    assert_eq!(good.len(), 1, "{findings:?}");
    assert_eq!(good[0]["rule"], "XAC002");
    assert_eq!(good[0]["line"], 12);
    assert!(report["summary"]["files_scanned"].as_u64().unwrap() >= 1);
}

#[test]
fn exit_codes_follow_findings_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.yaml");
    let clean = dir.path().join("clean.yaml");
    fs::write(&open, OPEN_ROLE).unwrap();
    fs::write(&clean, CLEAN_ROLE).unwrap();

    let (code, report) = run_json(&[&clean], &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["findings"], 0);

    let (code, report) = run_json(&[&open], &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["by_severity"]["critical"], 1);

    // Every rule today is critical, so no threshold sits above the finding.
    let (code, _) = run_json(&[&open], &["--fail-on", "critical"]);
    assert_eq!(code, 1);
    iamlint()
        .arg(&open)
        .args(["--fail-on", "severe"])
        .assert()
        .code(2);
}

#[test]
fn select_and_ignore_pick_rules_and_reject_unknown_codes() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.yaml");
    fs::write(&open, OPEN_ROLE).unwrap();

    assert_eq!(run_json(&[&open], &["--select", "XAC002"]).0, 1);
    assert_eq!(run_json(&[&open], &["--select", "WIF001"]).0, 0);
    assert_eq!(
        run_json(&[&open], &["--ignore", "any-aws-principal-trust"]).0,
        0
    );
    for flag in ["--select", "--ignore"] {
        let output = iamlint()
            .arg(&open)
            .args([flag, "XAC002,NOPE999"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("NOPE999"), "{flag}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{flag}: no report on a bad command line"
        );
    }
}

#[test]
fn output_writes_the_report_to_the_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.yaml");
    let out = dir.path().join("report.json");
    fs::write(&open, OPEN_ROLE).unwrap();

    let output = iamlint()
        .arg(&open)
        .args(["--format", "json", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let report: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["findings"][0]["rule"], "XAC002");

    let unwritable = dir.path().join("missing-folder/report.json");
    iamlint()
        .arg(&open)
        .arg("--output")
        .arg(&unwritable)
        .assert()
        .code(2);
}

#[test]
fn no_color_output_has_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.yaml");
    fs::write(&open, OPEN_ROLE).unwrap();
    // stdout is a pipe here, which turns colour off too; this pins that NO_COLOR never adds it.
    let output = iamlint().arg(&open).env("NO_COLOR", "1").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("XAC002"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

#[test]
fn a_named_non_template_is_an_error_but_a_walked_one_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.yaml");
    fs::write(&notes, "title: not a template\nitems: [a, b]\n").unwrap();
    fs::write(dir.path().join("clean.yaml"), CLEAN_ROLE).unwrap();

    let (code, report) = run_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files_scanned"], 1);
    assert_eq!(report["summary"]["files_skipped"], 1);
    assert_eq!(report["errors"], Value::Array(Vec::new()));

    let (code, report) = run_json(&[&notes], &[]);
    assert_eq!(code, 2);
    let error = error_for(&report, "notes.yaml");
    assert_eq!(position(error), (1, 1));
    assert!(message(error).starts_with("not a CloudFormation template"));

    // Named and also inside a named folder: still named.
    let (code, report) = run_json(&[dir.path(), &notes], &[]);
    assert_eq!(code, 2);
    error_for(&report, "notes.yaml");
}

#[test]
fn hook_flags_skip_named_non_templates_and_excluded_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("iamlint.toml"),
        "[scan]\nexclude = [\"legacy/**\"]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("legacy")).unwrap();
    let notes = dir.path().join("notes.yaml");
    let legacy = dir.path().join("legacy/open.yaml");
    let open = dir.path().join("open.yaml");
    let broken = dir.path().join("broken.yaml");
    fs::write(&notes, "title: not a template\n").unwrap();
    fs::write(&legacy, OPEN_ROLE).unwrap();
    fs::write(&open, OPEN_ROLE).unwrap();
    fs::write(
        &broken,
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    )
    .unwrap();

    // What pre-commit passes: every staged YAML file by name.
    let (code, report) = run_json(&[&notes, &legacy], &[]);
    assert_eq!(
        code, 2,
        "named files are read, non-templates are errors: {report}"
    );
    assert_eq!(report["summary"]["files_scanned"], 1);

    let (code, report) = run_json(
        &[&notes, &legacy],
        &["--skip-unrecognized", "--force-exclude"],
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files_scanned"], 0);
    assert_eq!(report["summary"]["files_skipped"], 1);

    // A real template among them is still checked, and a broken one is still an error.
    let (code, report) = run_json(&[&notes, &open], &["--skip-unrecognized"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["findings"][0]["rule"], "XAC002");
    let (code, report) = run_json(&[&notes, &broken], &["--skip-unrecognized"]);
    assert_eq!(code, 2, "{report}");
    error_for(&report, "broken.yaml");
}

#[test]
fn duplicate_keys_are_analyzed_with_the_last_value_not_reported_as_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("dup.yaml");
    // CloudFormation deploys the last `Principal`, so the role is open.
    let text = OPEN_ROLE.replace(
        "            Principal: {AWS: \"*\"}\n",
        "            Principal: {AWS: \"111122223333\"}\n            Principal: {AWS: \"*\"}\n",
    );
    fs::write(&template, text).unwrap();
    let (code, report) = run_json(&[&template], &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    let findings = report["findings"].as_array().unwrap();
    let open = findings.iter().find(|f| f["rule"] == "XAC002").unwrap();
    assert_eq!(open["line"], 10);
    // The hidden first value is reported by TPL001 at the later key.
    let duplicate = findings.iter().find(|f| f["rule"] == "TPL001").unwrap();
    assert_eq!(duplicate["line"], 10);
}

/// The estate the README's first command runs on: what it shows is reviewed like a rule's
/// fixtures.
#[test]
fn the_example_estate() {
    let (code, report) = run_json(&[Path::new("fixtures/examples")], &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["errors"], 0);
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["resource"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(findings.join("\n"));
}

fn explain_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/two-accounts")
}

#[test]
fn explain_principal_shows_permissions_admin_and_who_reaches_it() {
    let output = iamlint()
        .args(["explain-principal", "instances"])
        .arg(explain_fixture())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("role `instances` in 222222222222 ("),
        "{text}"
    );
    assert!(
        text.contains("admin-equivalent: yes, `AdministratorAccess` allows every action"),
        "{text}"
    );
    assert!(
        text.contains("allowed: every action of every service"),
        "{text}"
    );
    // The prod deployer passes the role to EC2 in two steps; the tooling deployer assumes the
    // prod deployer first; shortest first.
    let two = text
        .find("deployer (role) in 2 steps: deployer (role) → roles trusting ec2.amazonaws.com in 222222222222 (principal-set) via iam:PassRole + ec2:RunInstances (CreateEC2WithExistingInstanceProfile)")
        .expect(&text);
    let three = text.find("deployer (role) in 3 steps").expect(&text);
    assert!(two < three, "{text}");
}

#[test]
fn explain_principal_groups_by_reach_service_and_level_in_json() {
    let output = iamlint()
        .args(["explain-principal", "deployer", "--format", "json"])
        .arg(explain_fixture().join("tooling"))
        .arg("--config")
        .arg(explain_fixture().join("iamlint.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["account"], "111111111111");
    assert_eq!(report["admin"], Value::Null);
    let tiers = report["permissions"].as_array().unwrap();
    let tier = |reach: &str| tiers.iter().find(|t| t["reach"] == reach).unwrap();
    assert_eq!(tier("allowed")["actions"], 0);
    let specific = tier("only on specific resources");
    let s3 = specific["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "s3")
        .unwrap();
    let write = s3["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == "Write")
        .unwrap();
    assert_eq!(write["count"], 1);
    assert_eq!(write["examples"][0], "PutObject");
    let conditional = tier("only under a condition");
    assert_eq!(conditional["services"][0]["service"], "cloudformation");
    assert!(conditional["actions"].as_u64().unwrap() > 50);
}

#[test]
fn explain_principal_ambiguous_or_unknown_names_exit_2() {
    let output = iamlint()
        .args(["explain-principal", "deployer"])
        .arg(explain_fixture())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`deployer` names 2 principals"), "{stderr}");
    assert!(
        stderr.contains("deployer (role) in 111111111111, "),
        "{stderr}"
    );
    assert!(
        stderr.contains("deployer (role) in 222222222222, "),
        "{stderr}"
    );

    let output = iamlint()
        .args(["explain-principal", "nobody"])
        .arg(explain_fixture())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("no role, user or group named `nobody`"),
        "{stderr}"
    );
}
