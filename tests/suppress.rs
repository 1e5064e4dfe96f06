//! Suppressions (resource metadata, comments) and baselines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use iamlint::suppress::Baseline;
use iamlint::{Settings, check};

fn settings() -> Settings {
    Settings {
        paths: vec![PathBuf::from("fixtures/suppress")],
        ..Settings::default()
    }
}

fn resources(findings: &[iamlint::finding::Finding], code: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule.code == code)
        .map(|f| f.resource.clone())
        .collect()
}

#[test]
fn suppressions_with_a_reason_hide_findings() {
    let outcome = check(&settings());
    assert_eq!(
        resources(&outcome.findings, "XAC002"),
        ["NoReason", "OtherRule"]
    );
    let suppressed: Vec<_> = outcome
        .suppressed
        .iter()
        .map(|s| s.finding.clone())
        .collect();
    assert_eq!(
        resources(&suppressed, "XAC002"),
        ["ByMetadata", "ByComment", "ByCommentAbove"]
    );
    assert_eq!(
        outcome.suppressed[0].reason,
        "sandbox role, reviewed 2026-10"
    );
    // The suppression without a reason is itself reported.
    assert_eq!(resources(&outcome.findings, "SUP001"), ["NoReason"]);
}

#[test]
fn baseline_hides_recorded_findings_only() {
    let first = check(&settings());
    let mut baseline = Baseline::of(&first.findings);
    // Forget one finding: it must come back as new.
    let forgotten = first
        .findings
        .iter()
        .find(|f| f.resource == "OtherRule")
        .unwrap();
    baseline.fingerprints.remove(&forgotten.fingerprint);
    let second = check(&Settings {
        baseline: Some(baseline),
        ..settings()
    });
    assert_eq!(second.baselined, first.findings.len() - 1);
    assert_eq!(resources(&second.findings, "XAC002"), ["OtherRule"]);
}

#[test]
fn fingerprints_ignore_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("fixtures/suppress/stack.yaml").unwrap();
    let path = dir.path().join("stack.yaml");
    std::fs::write(&path, &original).unwrap();
    let run = || {
        let mut prints: Vec<String> = check(&Settings {
            paths: vec![path.clone()],
            ..Settings::default()
        })
        .findings
        .into_iter()
        .map(|f| f.fingerprint)
        .collect();
        prints.sort();
        prints
    };
    let before = run();
    // Shift everything down and re-indent nothing else: the fingerprints must not change.
    let shifted = original.replacen("Resources:", "Description: moved\n\n\nResources:", 1);
    std::fs::write(&path, shifted).unwrap();
    assert_eq!(before, run());
    assert!(!before.is_empty());
}

#[test]
fn cli_writes_and_reads_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let first = assert_cmd::Command::cargo_bin("iamlint")
        .unwrap()
        .args([
            "check",
            "fixtures/suppress",
            "--format",
            "json",
            "--write-baseline",
        ])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(recorded["version"], 1);
    assert!(!recorded["fingerprints"].as_array().unwrap().is_empty());

    let second = assert_cmd::Command::cargo_bin("iamlint")
        .unwrap()
        .args([
            "check",
            "fixtures/suppress",
            "--format",
            "json",
            "--baseline",
        ])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(
        report["summary"]["baselined"],
        recorded["fingerprints"].as_array().unwrap().len()
    );
}
