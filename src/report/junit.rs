//! `--format junit`: JUnit XML for CI systems that display test reports (Jenkins, GitLab,
//! Azure DevOps).
//!
//! One `<testsuite>` per file and one `<testcase>` per rule that ran on it: a rule with findings
//! in the file is a `<failure>` listing them, a rule without passes, so a clean run still has
//! test cases (Jenkins fails a build whose report has none). A file that could not be read has
//! an `<error>` test case. quick-xml escapes; characters XML 1.0 cannot carry at all are
//! replaced here.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{ReportOptions, full_message, position};
use crate::Outcome;
use crate::finding::Finding;
use crate::input::InputError;
use crate::rules::RuleMeta;

/// Name of the test case standing for reading and parsing a file.
const READ_CASE: &str = "read and parse";

/// What one file contributes: findings by rule, and input errors.
#[derive(Default)]
struct Suite<'a> {
    scanned: bool,
    findings: BTreeMap<&'static str, Vec<&'a Finding>>,
    errors: Vec<&'a InputError>,
}

/// Characters XML 1.0 forbids even escaped (control characters but tab and line breaks,
/// U+FFFE, U+FFFF) become U+FFFD, so a template value quoted in a message cannot make the
/// report unreadable.
fn xml_safe(text: &str) -> Cow<'_, str> {
    let forbidden = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if text.chars().any(forbidden) {
        Cow::Owned(
            text.chars()
                .map(|c| if forbidden(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// One line of a failure's text: where, how bad, what, and how to fix it.
fn finding_line(outcome: &Outcome, options: &ReportOptions, finding: &Finding) -> String {
    let place = match position(outcome, finding.loc) {
        Some((file, start, _)) => {
            format!(
                "{}:{}:{}",
                options.ci_path(&file.display),
                start.line,
                start.column
            )
        }
        None => String::new(),
    };
    format!(
        "{place}: {} [{}] {}",
        finding.severity,
        finding.resource,
        full_message(finding).replace('\n', "\n    ")
    )
}

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<String, Suite<'_>> = BTreeMap::new();
    for (_, file) in outcome.sources.iter() {
        suites
            .entry(options.ci_path(&file.display).into_owned())
            .or_default()
            .scanned = true;
    }
    for finding in &outcome.findings {
        let Some((file, _, _)) = position(outcome, finding.loc) else {
            continue;
        };
        suites
            .entry(options.ci_path(&file.display).into_owned())
            .or_default()
            .findings
            .entry(finding.rule.code)
            .or_default()
            .push(finding);
    }
    for error in &outcome.errors {
        suites
            .entry(options.ci_path(&error.file).into_owned())
            .or_default()
            .errors
            .push(error);
    }
    // Rules that ran; a rule with findings ran even when the caller did not say so.
    let mut rules: BTreeMap<&'static str, &'static RuleMeta> =
        options.rules.iter().map(|r| (r.code, *r)).collect();
    for finding in &outcome.findings {
        rules.insert(finding.rule.code, finding.rule);
    }

    let context = Context {
        outcome,
        options,
        rules,
    };
    let total_tests: usize = suites.values().map(|s| context.cases_in(s)).sum();
    let total_failures: usize = suites.values().map(|s| s.findings.len()).sum();
    let total_errors = suites.values().filter(|s| !s.errors.is_empty()).count();

    let [tests, failures, errors] =
        [total_tests, total_failures, total_errors].map(|n| n.to_string());
    let mut writer = Writer::new_with_indent(out, b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "iamlint"),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", errors.as_str()),
        ])
        .write_inner_content(|writer| {
            suites
                .iter()
                .try_for_each(|(path, suite)| write_suite(writer, &context, path, suite))
        })?;
    writeln!(writer.into_inner())
}

type Xml<'w> = Writer<&'w mut dyn Write>;

/// What every suite is written against.
struct Context<'a> {
    outcome: &'a Outcome,
    options: &'a ReportOptions,
    rules: BTreeMap<&'static str, &'static RuleMeta>,
}

impl Context<'_> {
    fn cases_in(&self, suite: &Suite<'_>) -> usize {
        let rule_cases = if suite.scanned { self.rules.len() } else { 0 };
        rule_cases + usize::from(!suite.errors.is_empty())
    }
}

fn write_suite(
    writer: &mut Xml<'_>,
    context: &Context<'_>,
    path: &str,
    suite: &Suite<'_>,
) -> io::Result<()> {
    let path = xml_safe(path);
    let [tests, failures, errors] = [
        context.cases_in(suite),
        suite.findings.len(),
        usize::from(!suite.errors.is_empty()),
    ]
    .map(|n| n.to_string());
    writer
        .create_element("testsuite")
        .with_attributes([
            ("name", &*path),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", errors.as_str()),
        ])
        .write_inner_content(|writer| {
            if let Some(first) = suite.errors.first() {
                let text: Vec<String> = suite
                    .errors
                    .iter()
                    .map(|e| format!("{path}:{}:{}: {}", e.line, e.column, e.message))
                    .collect();
                let problem = Problem {
                    element: "error",
                    message: Cow::Borrowed(first.message.as_str()),
                    kind: "input-error",
                    text: text.join("\n"),
                };
                write_case(writer, READ_CASE, &path, Some(problem))?;
            }
            if !suite.scanned {
                return Ok(());
            }
            for rule in context.rules.values() {
                let name = format!("{} {}", rule.code, rule.name);
                let problem = suite.findings.get(rule.code).map(|findings| {
                    let text: Vec<String> = findings
                        .iter()
                        .map(|f| finding_line(context.outcome, context.options, f))
                        .collect();
                    Problem {
                        element: "failure",
                        message: match findings.as_slice() {
                            [only] => Cow::Borrowed(only.message.as_str()),
                            many => Cow::Owned(format!("{} findings", many.len())),
                        },
                        kind: findings
                            .iter()
                            .map(|f| f.severity)
                            .max()
                            .map_or("", |s| s.as_str()),
                        text: text.join("\n"),
                    }
                });
                write_case(writer, &name, &path, problem)?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The `<failure>` or `<error>` inside a test case.
struct Problem<'a> {
    element: &'static str,
    message: Cow<'a, str>,
    kind: &'a str,
    text: String,
}

fn write_case(
    writer: &mut Xml<'_>,
    name: &str,
    path: &str,
    problem: Option<Problem<'_>>,
) -> io::Result<()> {
    let case = writer.create_element("testcase").with_attributes([
        ("name", name),
        ("classname", path),
        ("file", path),
    ]);
    let Some(problem) = problem else {
        case.write_empty()?;
        return Ok(());
    };
    case.write_inner_content(|writer| {
        writer
            .create_element(problem.element)
            .with_attributes([
                ("message", &*xml_safe(&problem.message)),
                ("type", problem.kind),
            ])
            .write_text_content(BytesText::new(&xml_safe(&problem.text)))?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(xml_safe("a\u{1}b\tc\u{FFFF}"), "a\u{FFFD}b\tc\u{FFFD}");
        assert!(matches!(xml_safe("plain <&>"), Cow::Borrowed(_)));
    }
}
