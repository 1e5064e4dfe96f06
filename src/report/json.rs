//! `--format json`: the report described in `cli.md`.

use std::io::{self, Write};

use serde::Serialize;

use super::{ReportOptions, position};
use crate::Outcome;
use crate::finding::{Finding, Severity};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    /// With `--show-suppressed` only: the findings suppressions hid.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'a>>>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppression: JsonSuppression<'a>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    files_skipped: usize,
    findings: usize,
    errors: usize,
    /// Findings hidden by suppressions with a reason.
    suppressed: usize,
    /// Findings hidden by `--baseline`.
    baselined: usize,
    by_severity: BySeverity,
}

#[derive(Serialize, Default)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    severity: Severity,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    path: &'a [String],
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut by_severity = BySeverity::default();
    for finding in &outcome.findings {
        let slot = match finding.severity {
            Severity::Critical => &mut by_severity.critical,
            Severity::High => &mut by_severity.high,
            Severity::Medium => &mut by_severity.medium,
            Severity::Low => &mut by_severity.low,
            Severity::Info => &mut by_severity.info,
        };
        *slot += 1;
    }
    let report = Report {
        version: 1,
        tool: Tool {
            name: "iamlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files_scanned: outcome.files_scanned,
            files_skipped: outcome.files_skipped,
            findings: outcome.findings.len(),
            errors: outcome.errors.len(),
            suppressed: outcome.suppressed.len(),
            baselined: outcome.baselined,
            by_severity,
        },
        findings: outcome
            .findings
            .iter()
            .map(|f| finding(outcome, f))
            .collect(),
        errors: outcome
            .errors
            .iter()
            .map(|e| JsonError {
                file: &e.file,
                line: e.line,
                column: e.column,
                message: &e.message,
            })
            .collect(),
        suppressed: options.show_suppressed.then(|| {
            outcome
                .suppressed
                .iter()
                .map(|s| {
                    let (file, at) = match position(outcome, s.by) {
                        Some((file, start, _)) => (file.display.as_str(), start),
                        None => Default::default(),
                    };
                    JsonSuppressed {
                        finding: finding(outcome, &s.finding),
                        suppression: JsonSuppression {
                            reason: &s.reason,
                            file,
                            line: at.line,
                            column: at.column,
                        },
                    }
                })
                .collect()
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn finding<'a>(outcome: &'a Outcome, f: &'a Finding) -> JsonFinding<'a> {
    let (file, start, end) = match position(outcome, f.loc) {
        Some((file, start, end)) => (file.display.as_str(), start, end),
        None => Default::default(),
    };
    JsonFinding {
        rule: f.rule.code,
        name: f.rule.name,
        severity: f.severity,
        file,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        resource: &f.resource,
        message: &f.message,
        help: f.help.as_deref(),
        fingerprint: &f.fingerprint,
        path: &f.path,
    }
}
