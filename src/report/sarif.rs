//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! One run; the driver lists every rule (stable `ruleIndex` values, help from `rules/<CODE>.md`);
//! one result per finding; input errors are tool execution notifications. GitHub rejects files
//! over its limits instead of truncating them, so the limits are applied here, each cut noted.
//! References: the OASIS SARIF 2.1.0 schema and GitHub's "SARIF support for code scanning".

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{
    HOMEPAGE, Level, ReportOptions, encode_path, full_message, position, rule_docs_url, truncate,
};
use crate::Outcome;
use crate::finding::{Finding, Severity};
use crate::input::InputError;
use crate::rules::{ALL_RULES, RuleMeta};
use crate::source::Loc;

/// GitHub rejects a run with more results; it displays only the 5,000 most severe anyway.
const MAX_RESULTS: usize = 25_000;
/// GitHub stores 100 locations of a result and rejects more than 1,000.
const MAX_RELATED: usize = 100;
/// GitHub's limit for `shortDescription` and `fullDescription`.
const MAX_DESCRIPTION: usize = 1024;
/// GitHub documents no limit for result messages. Messages can quote template values of any
/// size, and 25,000 results must stay under the 10 MB upload limit, so they are capped too.
const MAX_MESSAGE: usize = 2000;

/// The key our own fingerprint goes under. GitHub matches alerts with
/// `primaryLocationLineHash`, which `upload-sarif` computes from the file; ours survives moves
/// and edits of unrelated lines, for consumers that use it.
const FINGERPRINT_KEY: &str = "iamlint/v1";

const SRCROOT: &str = "%SRCROOT%";

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let log = build(outcome, options, MAX_RESULTS);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Self {
        Message { text: text.into() }
    }
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    descriptor: Descriptor,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    /// Set on the findings a suppression hid, listed only with `--show-suppressed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    /// `inSource`: written in the template (metadata, comment, `"//"` key).
    kind: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    kind: &'static str,
}

fn level(severity: Severity) -> &'static str {
    match Level::from(severity) {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// GitHub turns `security-severity` into its own severity: ≥ 9.0 critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low. Each value sits inside the bucket of the same name, away from
/// the edges, so code scanning shows the severity iamlint reports. GitHub has no "info": it
/// shows our info rules as low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A tag per rule family (the code prefix, see the rule catalog), so code scanning can filter
/// by family.
fn family_tag(code: &str) -> Option<&'static str> {
    let family = code.get(..3)?;
    Some(match family {
        "WIF" => "web-identity",
        "COG" => "cognito",
        "XAC" => "cross-account",
        "POL" => "policy-hygiene",
        "ESC" => "privilege-escalation",
        _ => return None,
    })
}

/// The first paragraph under `## What it flags` on the rule's page, on one line.
fn full_description(rule: &RuleMeta) -> String {
    let section = rule
        .docs
        .split_once("## What it flags")
        .map(|(_, rest)| rest.trim_start())
        .and_then(|rest| rest.split("\n\n").next())
        .filter(|p| !p.trim().is_empty());
    match section {
        Some(paragraph) => paragraph.split_whitespace().collect::<Vec<_>>().join(" "),
        None => rule.summary.to_owned(),
    }
}

fn rule(meta: &'static RuleMeta) -> Rule {
    let mut tags = vec!["security", "iam"];
    tags.extend(family_tag(meta.code));
    Rule {
        id: meta.code,
        name: meta.name,
        short_description: Message::new(truncate(meta.summary, MAX_DESCRIPTION)),
        full_description: Message::new(truncate(&full_description(meta), MAX_DESCRIPTION)),
        // The page is Markdown; it reads fine as plain text too, which `text` requires.
        help: Help {
            text: meta.docs,
            markdown: meta.docs,
        },
        help_uri: rule_docs_url(meta),
        // Rule-level values use the default severity: a severity changed in the configuration
        // shows on each result's `level`, but GitHub takes `security-severity` from the rule.
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(meta.severity),
        },
    }
}

/// Builds URIs: relative to `%SRCROOT%` (the repository root) when a file is inside it, as
/// GitHub wants, else absolute `file:` URIs.
struct Uris<'a> {
    options: &'a ReportOptions,
}

impl Uris<'_> {
    fn artifact(&self, shown: &str) -> ArtifactLocation {
        let workspace = self.options.workspace.as_ref();
        if let Some(relative) = workspace.and_then(|w| w.relative(shown)) {
            return ArtifactLocation {
                uri: encode_path(&relative),
                uri_base_id: Some(SRCROOT),
            };
        }
        match workspace {
            Some(w) => ArtifactLocation {
                uri: file_uri(&w.absolute(shown).to_string_lossy()),
                uri_base_id: None,
            },
            // No known directory: the path as shown, relative to where iamlint ran.
            None => ArtifactLocation {
                uri: encode_path(&shown.replace('\\', "/")),
                uri_base_id: None,
            },
        }
    }

    fn base_ids(&self) -> BTreeMap<&'static str, ArtifactLocation> {
        let Some(workspace) = &self.options.workspace else {
            return BTreeMap::new();
        };
        let mut root = file_uri(&workspace.root.to_string_lossy());
        // A base URI must end with a slash, or the relative URIs replace its last segment.
        if !root.ends_with('/') {
            root.push('/');
        }
        BTreeMap::from([(
            SRCROOT,
            ArtifactLocation {
                uri: root,
                uri_base_id: None,
            },
        )])
    }

    fn location(&self, outcome: &Outcome, loc: Loc) -> Option<PhysicalLocation> {
        let (file, start, end) = position(outcome, loc)?;
        Some(PhysicalLocation {
            artifact_location: self.artifact(&file.display),
            region: Some(Region {
                start_line: start.line,
                start_column: start.column,
                end_line: Some(end.line),
                end_column: Some(end.column),
            }),
        })
    }
}

/// `file:` URI of an absolute path; Windows paths (`C:\x`) become `file:///C:/x`.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let (drive, rest) = match path.split_once(':') {
        Some((drive, rest)) if drive.len() == 1 && !drive.contains('/') => {
            (format!("/{drive}:"), rest.to_owned())
        }
        _ => (String::new(), path),
    };
    format!("file://{drive}{}", encode_path(&rest))
}

fn result(outcome: &Outcome, uris: &Uris<'_>, finding: &Finding) -> Option<SarifResult> {
    let primary = uris.location(outcome, finding.loc)?;
    let mut text = full_message(finding);
    let related: Vec<Location> = finding
        .related
        .iter()
        .filter_map(|r| Some((r, uris.location(outcome, r.loc)?)))
        .take(MAX_RELATED)
        .enumerate()
        .map(|(id, (related, physical))| Location {
            id: Some(id + 1),
            physical_location: physical,
            logical_locations: Vec::new(),
            message: Some(Message::new(truncate(&related.message, MAX_MESSAGE))),
        })
        .collect();
    if finding.related.len() > related.len() {
        text.push_str(&format!(
            "\n({} more related locations are not listed)",
            finding.related.len() - related.len()
        ));
    }
    Some(SarifResult {
        rule_id: finding.rule.code,
        rule_index: ALL_RULES
            .iter()
            .position(|r| r.meta().code == finding.rule.code),
        level: level(finding.severity),
        message: Message::new(truncate(&text, MAX_MESSAGE)),
        locations: vec![Location {
            id: None,
            physical_location: primary,
            logical_locations: vec![LogicalLocation {
                name: finding.resource.clone(),
                kind: "resource",
            }],
            message: None,
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, finding.fingerprint.clone())]),
        related_locations: related,
        suppressions: Vec::new(),
    })
}

fn input_error(uris: &Uris<'_>, error: &InputError) -> Notification {
    Notification {
        level: "error",
        message: Message::new(truncate(&error.message, MAX_MESSAGE)),
        locations: vec![Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: uris.artifact(&error.file),
                region: Some(Region {
                    start_line: error.line.max(1),
                    start_column: error.column.max(1),
                    end_line: None,
                    end_column: None,
                }),
            },
            logical_locations: Vec::new(),
            message: None,
        }],
        descriptor: Descriptor { id: "input-error" },
    }
}

/// The findings that fit in `max` results: the most severe, in report order.
fn kept_findings(findings: &[Finding], max: usize) -> Vec<&Finding> {
    let mut kept: Vec<&Finding> = findings.iter().collect();
    if kept.len() > max {
        // Stable: within a severity, report order decides.
        kept.sort_by_key(|f| Reverse(f.severity));
        kept.truncate(max);
        kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    kept
}

fn build(outcome: &Outcome, options: &ReportOptions, max_results: usize) -> Log {
    let uris = Uris { options };
    let kept = kept_findings(&outcome.findings, max_results);
    let mut results: Vec<SarifResult> = kept
        .iter()
        .filter_map(|f| result(outcome, &uris, f))
        .collect();
    if options.show_suppressed {
        let room = max_results.saturating_sub(results.len());
        results.extend(outcome.suppressed.iter().take(room).filter_map(|s| {
            let mut suppressed = result(outcome, &uris, &s.finding)?;
            suppressed.suppressions.push(SarifSuppression {
                kind: "inSource",
                justification: truncate(&s.reason, MAX_MESSAGE).into_owned(),
                location: uris.location(outcome, s.by).map(|physical| Location {
                    id: None,
                    physical_location: physical,
                    logical_locations: Vec::new(),
                    message: None,
                }),
            });
            Some(suppressed)
        }));
    }
    let mut notifications: Vec<Notification> = outcome
        .errors
        .iter()
        .map(|e| input_error(&uris, e))
        .collect();
    let left_out = outcome.findings.len().saturating_sub(kept.len());
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Message::new(format!(
                "{left_out} of {} findings are not in this file: GitHub code scanning accepts at \
                 most {max_results} results per run, so the least severe were left out. \
                 `--format json` lists them all.",
                outcome.findings.len()
            )),
            locations: Vec::new(),
            descriptor: Descriptor {
                id: "results-truncated",
            },
        });
    }
    Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "iamlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: HOMEPAGE,
                    rules: ALL_RULES.iter().map(|r| rule(r.meta())).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: outcome.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: uris.base_ids(),
            // Columns count Unicode scalar values (`source::LineCol`).
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Settings, check};

    fn fixture_outcome() -> Outcome {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/report");
        check(&Settings {
            paths: vec![dir],
            ..Settings::default()
        })
    }

    #[test]
    fn over_the_limit_the_most_severe_are_kept_and_the_cut_is_reported() {
        let outcome = fixture_outcome();
        assert!(outcome.findings.len() >= 2);
        let log = build(&outcome, &ReportOptions::default(), 1);
        let [run] = &log.runs;
        assert_eq!(run.results.len(), 1);
        let [invocation] = &run.invocations;
        let note = invocation
            .tool_execution_notifications
            .iter()
            .find(|n| n.descriptor.id == "results-truncated")
            .expect("a notification about the cut");
        assert!(note.message.text.starts_with(&format!(
            "{} of {} findings",
            outcome.findings.len() - 1,
            outcome.findings.len()
        )));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_path("a b/c:d#e.yaml"), "a%20b/c%3Ad%23e.yaml");
        assert_eq!(file_uri("/tmp/x y"), "file:///tmp/x%20y");
        assert_eq!(file_uri("C:\\repo\\a.yaml"), "file:///C:/repo/a.yaml");
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_flags() {
        let meta = ALL_RULES[0].meta();
        let text = full_description(meta);
        assert!(!text.contains('\n'));
        assert!(!text.is_empty());
        assert!(meta.docs.contains(text.split_whitespace().next().unwrap()));
    }
}
