//! Terraform JSON configuration, plans and state, end to end: WIF001 and XAC002 fire on the
//! right resource and point at the right text of the right file, and not on the good variants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use iamlint::rules::Selection;
use iamlint::{Outcome, Settings, check};

const FIXTURES: &str = "fixtures/parse/terraform";

fn run(folder: &str) -> Outcome {
    let settings = Settings {
        paths: vec![PathBuf::from(FIXTURES).join(folder)],
        selection: Selection {
            select: vec!["WIF001".into(), "XAC002".into()],
            ..Selection::default()
        },
        ..Settings::default()
    };
    let outcome = check(&settings);
    let errors: Vec<_> = outcome.errors.iter().map(|e| &e.message).collect();
    assert!(errors.is_empty(), "{folder}: {errors:?}");
    assert!(outcome.files_scanned > 0, "{folder}: nothing recognized");
    outcome
}

/// A finding as (rule, file name, 1-based line, resource, the text it points at).
#[derive(Debug, PartialEq, Eq)]
struct Hit {
    rule: &'static str,
    file: String,
    line: usize,
    resource: String,
    text: String,
}

fn hits(outcome: &Outcome) -> Vec<Hit> {
    outcome
        .findings
        .iter()
        .map(|f| {
            let source = outcome.sources.get(f.loc.file).unwrap();
            let span = f.loc.span;
            Hit {
                rule: f.rule.code,
                file: source.path.file_name().unwrap().to_string_lossy().into(),
                line: source.line_col(span.start).line,
                resource: f.resource.clone(),
                text: source.text[span.start as usize..span.end as usize].to_owned(),
            }
        })
        .collect()
}

/// The 1-based line of the first line containing `needle`, after the first line containing
/// `after`.
fn line_of(folder_file: &str, after: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(PathBuf::from(FIXTURES).join(folder_file)).unwrap();
    let start = text
        .lines()
        .position(|l| l.contains(after))
        .unwrap_or_else(|| panic!("{after} not in {folder_file}"));
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in {folder_file}"))
}

fn hit(rule: &'static str, file: &str, line: usize, resource: &str, text: &str) -> Hit {
    Hit {
        rule,
        file: file.into(),
        line,
        resource: resource.into(),
        text: text.into(),
    }
}

#[test]
fn module_over_two_files() {
    let outcome = run("module");
    assert_eq!(outcome.files_scanned, 2);
    assert_eq!(
        hits(&outcome),
        [
            hit(
                "XAC002",
                "main.tf.json",
                line_of("module/main.tf.json", "\"any_aws\"", "assume_role_policy"),
                "aws_iam_role.any_aws",
                r#"\"*\""#,
            ),
            // The trust document is a data source in the other file: the finding points at the
            // principal there, and names the role that uses it.
            hit(
                "WIF001",
                "policies.tf.json",
                line_of(
                    "module/policies.tf.json",
                    "\"cognito_no_aud\"",
                    "identifiers"
                ),
                "aws_iam_role.cognito_no_aud",
                r#""${local.cognito}""#,
            ),
        ]
    );
}

#[test]
fn jsonencode_policies() {
    let outcome = run("jsonencode");
    assert_eq!(
        hits(&outcome),
        [
            hit(
                "WIF001",
                "main.tf.json",
                line_of(
                    "jsonencode/main.tf.json",
                    "web_identity_no_aud",
                    "assume_role_policy"
                ),
                "aws_iam_role.web_identity_no_aud",
                r#"\"cognito-identity.amazonaws.com\""#,
            ),
            hit(
                "XAC002",
                "main.tf.json",
                line_of(
                    "jsonencode/main.tf.json",
                    "any_aws_in_jsonencode",
                    "assume_role_policy"
                ),
                "aws_iam_role.any_aws_in_jsonencode",
                r#"\"*\""#,
            ),
        ]
    );
}

#[test]
fn plan_with_child_modules() {
    let outcome = run("plan");
    assert_eq!(
        hits(&outcome),
        [
            // A pretty policy string with CRLF line ends: the finding is on the `*` inside it.
            hit(
                "XAC002",
                "tfplan.json",
                line_of("plan/tfplan.json", "\"resource_changes\"", "\\r\\n"),
                "aws_iam_role.ci",
                r#"\"*\""#,
            ),
            // The role's trust is unknown until apply; the plan's deferred data source it
            // references (same count index) holds the statement.
            hit(
                "WIF001",
                "tfplan.json",
                line_of(
                    "plan/tfplan.json",
                    "\"resource_changes\"",
                    "\"cognito-identity.amazonaws.com\"",
                ),
                "module.app.module.auth.aws_iam_role.guest[0]",
                r#""cognito-identity.amazonaws.com""#,
            ),
        ]
    );
}

#[test]
fn state_with_nested_modules() {
    let outcome = run("state");
    assert_eq!(
        hits(&outcome),
        [hit(
            "XAC002",
            "terraform.tfstate.json",
            line_of(
                "state/terraform.tfstate.json",
                "aws_iam_role.legacy",
                "assume_role_policy"
            ),
            r#"module.legacy.module.deep.aws_iam_role.legacy["eu"]"#,
            r#"\"*\""#,
        )]
    );
}

#[test]
fn comment_suppressions() {
    let settings = Settings {
        paths: vec![PathBuf::from(FIXTURES).join("suppress")],
        selection: Selection {
            select: vec!["XAC002".into(), "SUP001".into()],
            ..Selection::default()
        },
        ..Settings::default()
    };
    let outcome = check(&settings);
    let found = |findings: &[iamlint::finding::Finding]| -> Vec<(&str, String)> {
        findings
            .iter()
            .map(|f| (f.rule.code, f.resource.clone()))
            .collect()
    };
    assert_eq!(
        found(&outcome.findings),
        [
            ("SUP001", "aws_iam_role.no_reason".to_owned()),
            ("XAC002", "aws_iam_role.no_reason".to_owned())
        ]
    );
    let suppressed: Vec<_> = outcome
        .suppressed
        .iter()
        .map(|s| s.finding.clone())
        .collect();
    assert_eq!(
        found(&suppressed),
        [("XAC002", "aws_iam_role.reviewed".to_owned())]
    );
    assert!(
        outcome.suppressed[0].reason.contains("reviewed"),
        "{:?}",
        outcome.suppressed[0].reason
    );
}
