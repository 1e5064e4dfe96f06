//! The CI report formats (SARIF, GitHub workflow commands and job summary, JUnit) on a small
//! fixture: `fixtures/report/app.yaml` (one WIF001 and one XAC002 finding) and
//! `fixtures/report/broken.yaml` (does not parse). Plus the CLI polish: completions, version,
//! help, colour, no spinner outside a terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use assert_cmd::Command;
use iamlint::report::{ReportFormat, ReportOptions, Workspace, github, write_report};
use iamlint::rules::ALL_RULES;
use iamlint::{Outcome, Settings, check};
use quick_xml::events::Event;
use serde_json::Value;

const FIXTURE: &str = "fixtures/report";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tests run in the crate folder, so reports show `fixtures/report/…` and the crate folder is
/// the repository root, as in a CI checkout.
fn options() -> ReportOptions {
    ReportOptions {
        workspace: Some(Workspace {
            cwd: crate_dir(),
            root: crate_dir(),
        }),
        rules: ALL_RULES.iter().map(|r| r.meta()).collect(),
        ..ReportOptions::default()
    }
}

fn outcome() -> Outcome {
    assert_eq!(std::env::current_dir().unwrap(), crate_dir());
    check(&Settings {
        paths: vec![PathBuf::from(FIXTURE)],
        ..Settings::default()
    })
}

fn render(format: ReportFormat, outcome: &Outcome) -> String {
    render_with(format, outcome, false)
}

/// The JSON report's findings: the reference for positions and fingerprints.
fn json_findings(outcome: &Outcome) -> Vec<Value> {
    let json: Value = serde_json::from_str(&render(ReportFormat::Json, outcome)).unwrap();
    json["findings"].as_array().unwrap().clone()
}

#[test]
fn the_fixture_has_the_findings_and_error_the_snapshots_rely_on() {
    let outcome = outcome();
    let codes: Vec<&str> = outcome.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["WIF001", "XAC002"]);
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].file, "fixtures/report/broken.yaml");
}

#[test]
fn github_annotations() {
    insta::assert_snapshot!(render(ReportFormat::Github, &outcome()));
}

#[test]
fn github_annotations_point_at_the_finding() {
    let outcome = outcome();
    let output = render(ReportFormat::Github, &outcome);
    for finding in json_findings(&outcome) {
        let expected = format!(
            "::error file={},line={},col={},endLine={},endColumn={},title={} {}::",
            finding["file"].as_str().unwrap(),
            finding["line"],
            finding["column"],
            finding["end_line"],
            finding["end_column"],
            finding["rule"].as_str().unwrap(),
            finding["name"].as_str().unwrap(),
        );
        assert!(output.contains(&expected), "{expected}\nnot in\n{output}");
    }
    // The parser reports the unclosed sequence at the end of the file.
    assert!(output.starts_with("::error file=fixtures/report/broken.yaml,line=6,col=1,"));
}

/// Twelve open roles: twelve critical findings, more than the ten errors GitHub shows.
#[test]
fn github_says_how_many_annotations_it_will_not_show() {
    let dir = tempfile::tempdir().unwrap();
    let mut template = String::from("Resources:\n");
    for i in 0..12 {
        template.push_str(&format!(
            "  Open{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: \"*\"}}\n            Action: sts:AssumeRole\n"
        ));
    }
    std::fs::write(dir.path().join("open.yaml"), template).unwrap();
    let outcome = check(&Settings {
        paths: vec![dir.path().to_path_buf()],
        ..Settings::default()
    });
    assert_eq!(outcome.findings.len(), 12);
    let output = render(ReportFormat::Github, &outcome);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        12
    );
    // After the errors, before the summary line: GitHub drops two of them.
    assert!(
        lines[12].starts_with("::notice title=iamlint::2 problems are not shown as annotations"),
        "{}",
        lines[12]
    );
}

#[test]
fn github_job_summary() {
    let mut out = Vec::new();
    github::write_summary(
        &outcome(),
        &options(),
        Some("https://github.com/acme/infra/blob/0123abc"),
        &mut out,
    )
    .unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn junit_xml() {
    insta::assert_snapshot!(render(ReportFormat::Junit, &outcome()));
}

/// The XML parses, and the counts on `<testsuites>` match the elements.
#[test]
fn junit_counts_match_the_test_cases() {
    let xml = render(ReportFormat::Junit, &outcome());
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut errors) = (0, 0, 0);
    let mut totals = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "testsuites" => {
                    let attr = |name: &str| {
                        let value = e.try_get_attribute(name).unwrap().unwrap().value;
                        value.parse::<usize>().unwrap()
                    };
                    totals = Some((attr("tests"), attr("failures"), attr("errors")));
                }
                "testcase" => cases += 1,
                "failure" => failures += 1,
                "error" => errors += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    // app.yaml: one case per rule (two failing); broken.yaml: one error case.
    assert_eq!(totals, Some((cases, failures, errors)));
    assert_eq!((failures, errors), (2, 1));
    assert_eq!(cases, ALL_RULES.len() + 1);
}

fn sarif() -> (Outcome, Value) {
    let outcome = outcome();
    let sarif = serde_json::from_str(&render(ReportFormat::Sarif, &outcome)).unwrap();
    (outcome, sarif)
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate_dir().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, sarif: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_is_valid_against_the_oasis_schema() {
    let validator = sarif_validator();
    let (_, sarif) = sarif();
    assert_valid_sarif(&validator, &sarif);

    // The validator does catch a broken log: a result without a message is invalid.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_results_carry_rule_level_region_and_fingerprint() {
    let (outcome, sarif) = sarif();
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let srcroot = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        srcroot.starts_with("file:///") && srcroot.ends_with('/'),
        "{srcroot}"
    );

    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let expected = json_findings(&outcome);
    assert_eq!(results.len(), expected.len());
    for (result, finding) in results.iter().zip(&expected) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], finding["rule"]);
        // Both findings are critical.
        assert_eq!(result["level"], "error");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"],
            "fixtures/report/app.yaml"
        );
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        assert_eq!(region["startLine"], finding["line"]);
        assert_eq!(region["startColumn"], finding["column"]);
        assert_eq!(region["endLine"], finding["end_line"]);
        assert_eq!(region["endColumn"], finding["end_column"]);
        assert_eq!(
            result["partialFingerprints"]["iamlint/v1"],
            finding["fingerprint"]
        );
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["name"],
            finding["resource"]
        );
    }
    // WIF001 points at the `Federated` value, XAC002 at `"*"`.
    let region = |i: usize| &results[i]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            region(0)["startLine"].as_u64(),
            region(0)["startColumn"].as_u64()
        ),
        (Some(12), Some(26))
    );
    assert_eq!(
        (
            region(1)["startLine"].as_u64(),
            region(1)["startColumn"].as_u64()
        ),
        (Some(21), Some(20))
    );
    // XAC002 names the statement around the principal as a related location.
    let related = results[1]["relatedLocations"].as_array().unwrap();
    assert_eq!(related[0]["message"]["text"], "in this statement");
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 19);
}

#[test]
fn sarif_rules_carry_help_and_security_severity() {
    let (_, sarif) = sarif();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), ALL_RULES.len());
    for (rule, meta) in rules.iter().zip(ALL_RULES.iter().map(|r| r.meta())) {
        assert_eq!(rule["id"], meta.code);
        assert_eq!(rule["name"], meta.name);
        assert_eq!(rule["shortDescription"]["text"], meta.summary);
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
        assert_eq!(rule["help"]["markdown"], meta.docs);
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/iamlint/iamlint/blob/main/rules/{}.md",
                meta.code
            )
        );
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"));
    }
    // WIF001 is critical: GitHub's critical bucket starts at 9.0.
    let wif001 = rules.iter().find(|r| r["id"] == "WIF001").unwrap();
    assert_eq!(wif001["properties"]["security-severity"], "9.5");
    assert_eq!(wif001["defaultConfiguration"]["level"], "error");
}

#[test]
fn sarif_reports_unreadable_inputs_as_notifications() {
    let (_, sarif) = sarif();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    let location = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fixtures/report/broken.yaml"
    );
    assert_eq!(location["region"]["startLine"], 6);
}

fn iamlint() -> Command {
    let mut cmd = Command::cargo_bin("iamlint").unwrap();
    cmd.current_dir(crate_dir())
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR");
    cmd
}

#[test]
fn github_format_appends_the_job_summary_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = iamlint()
        .args(["check", "--format", "github", FIXTURE])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_REPOSITORY", "acme/infra")
        .env("GITHUB_SHA", "0123abc")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .output()
        .unwrap();
    // broken.yaml does not parse: exit 2 wins over the findings' 1.
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("::error file=fixtures/report/app.yaml,line=12,col=26,"));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n## iamlint\n"), "{text}");
    assert!(text.contains(
        "[fixtures/report/app.yaml:12](https://github.com/acme/infra/blob/0123abc/fixtures/report/app.yaml#L12)"
    ));
}

#[test]
fn sarif_written_to_a_file_from_a_subfolder_stays_relative_to_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("out.sarif");
    iamlint()
        .current_dir(crate_dir().join("fixtures"))
        .args(["check", "--format", "sarif", "--output"])
        .arg(&report)
        .arg("report/app.yaml")
        .assert()
        .code(1);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fixtures/report/app.yaml"
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _iamlint"),
        ("zsh", "#compdef iamlint"),
        ("fish", "complete -c iamlint"),
    ] {
        let output = iamlint().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        assert!(
            script.contains("sarif"),
            "{shell}: formats are not completed"
        );
    }
    iamlint().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn version_and_help() {
    let version = iamlint().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("iamlint {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = iamlint().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("Examples:\n  iamlint check templates/\n"),
        "{help}"
    );
    assert!(help.contains("completions"));
}

#[test]
fn every_check_flag_and_command_is_in_the_cli_reference() {
    let reference = std::fs::read_to_string(crate_dir().join("docs/cli.md")).unwrap();
    let help = iamlint().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let flags: Vec<&str> = help
        .split_whitespace()
        .map(|word| word.trim_end_matches([',', '.', ')']))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .filter(|word| {
            word[2..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect();
    assert!(flags.contains(&"--show-suppressed"), "{flags:?}");
    for flag in flags {
        assert!(
            reference.contains(&format!("`{flag}")),
            "docs/cli.md lacks {flag}"
        );
    }
    let help = iamlint().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap();
    for line in commands.lines() {
        let command = line.split_whitespace().next().unwrap();
        assert!(
            command == "help" || reference.contains(&format!("`iamlint {command}")),
            "docs/cli.md lacks the command {command}"
        );
    }
}

#[test]
fn colour_follows_the_flag_and_no_color_and_no_spinner_in_a_pipe() {
    let ansi = |cmd: &mut Command| {
        let output = cmd.output().unwrap();
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("checking"),
            "a spinner outside a terminal"
        );
        String::from_utf8(output.stdout).unwrap().contains('\u{1b}')
    };
    let app = "fixtures/report/app.yaml";
    assert!(!ansi(iamlint().args(["check", app])), "colour in a pipe");
    assert!(ansi(iamlint().args(["check", "--color", "always", app])));
    assert!(!ansi(iamlint().args(["check", "--color", "never", app])));
}

/// `fixtures/suppress` has three findings suppressed with a reason and two left open.
fn suppressed_outcome() -> Outcome {
    check(&Settings {
        paths: vec![PathBuf::from("fixtures/suppress")],
        ..Settings::default()
    })
}

fn render_with(format: ReportFormat, outcome: &Outcome, show_suppressed: bool) -> String {
    let options = ReportOptions {
        show_suppressed,
        ..options()
    };
    let mut out = Vec::new();
    write_report(format, outcome, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn show_suppressed_lists_them_with_their_reasons_in_human_json_and_sarif() {
    let outcome = suppressed_outcome();
    assert_eq!(outcome.suppressed.len(), 3);

    let human = render_with(ReportFormat::Human, &outcome, false);
    assert!(!human.contains("Suppressed findings"), "{human}");
    assert!(human.contains(", 3 suppressed"), "{human}");
    let human = render_with(ReportFormat::Human, &outcome, true);
    assert!(human.contains("Suppressed findings:"), "{human}");
    assert!(
        human.contains("  fixtures/suppress/stack.yaml:14:"),
        "the finding's own place: {human}"
    );
    assert!(
        human.contains(
            "    suppressed at fixtures/suppress/stack.yaml:9:13: sandbox role, reviewed 2026-10"
        ),
        "{human}"
    );

    let json: Value =
        serde_json::from_str(&render_with(ReportFormat::Json, &outcome, false)).unwrap();
    assert!(json.get("suppressed").is_none());
    assert_eq!(json["summary"]["suppressed"], 3);
    let json: Value =
        serde_json::from_str(&render_with(ReportFormat::Json, &outcome, true)).unwrap();
    let listed = json["suppressed"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["rule"], "XAC002");
    assert_eq!(listed[0]["resource"], "ByMetadata");
    assert_eq!(
        listed[0]["suppression"]["reason"],
        "sandbox role, reviewed 2026-10"
    );
    assert_eq!(
        listed[0]["suppression"]["file"],
        "fixtures/suppress/stack.yaml"
    );
    assert_eq!(listed[0]["suppression"]["line"], 9);
    assert_eq!(
        listed[1]["suppression"]["line"], 22,
        "a comment on the finding's line"
    );

    let validator = sarif_validator();
    let sarif: Value =
        serde_json::from_str(&render_with(ReportFormat::Sarif, &outcome, false)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    let open = results.len();
    let sarif: Value =
        serde_json::from_str(&render_with(ReportFormat::Sarif, &outcome, true)).unwrap();
    assert_valid_sarif(&validator, &sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), open + 3);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter_map(|r| r.get("suppressions"))
        .collect();
    assert_eq!(suppressed.len(), 3);
    assert_eq!(suppressed[0][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0][0]["justification"],
        "sandbox role, reviewed 2026-10"
    );
    assert_eq!(
        suppressed[0][0]["location"]["physicalLocation"]["region"]["startLine"],
        9
    );
}
