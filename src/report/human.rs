//! `--format human`: findings rendered by miette with the source snippet under each, then a
//! one-line summary. Colour only when asked (a terminal without `NO_COLOR`).

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::ReportOptions;
use crate::Outcome;
use crate::finding::{Finding, Severity};
use crate::input::InputError;
use crate::source::{SourceMap, Span};

/// Width snippets are wrapped at; fixed so output does not depend on the terminal.
const WIDTH: usize = 100;

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_urls(false);
    for finding in &outcome.findings {
        let diagnostic = FindingDiagnostic::new(finding, &outcome.sources);
        render(&handler, &diagnostic, out)?;
    }
    for error in &outcome.errors {
        render(&handler, &ErrorDiagnostic(error), out)?;
    }
    if options.show_suppressed && !outcome.suppressed.is_empty() {
        write_suppressed(outcome, out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(outcome))?;
    }
    Ok(())
}

/// One line per suppressed finding and one for its suppression: enough to review what was
/// accepted and why, without the snippets that would drown the open findings.
fn write_suppressed(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Suppressed findings:")?;
    let at = |loc| match super::position(outcome, loc) {
        Some((file, start, _)) => format!("{}:{}:{}", file.display, start.line, start.column),
        None => "?".to_owned(),
    };
    for suppressed in &outcome.suppressed {
        let finding = &suppressed.finding;
        writeln!(
            out,
            "  {} {} [{}] {}",
            at(finding.loc),
            finding.rule.code,
            finding.severity,
            finding.message
        )?;
        writeln!(
            out,
            "    suppressed at {}: {}",
            at(suppressed.by),
            suppressed.reason
        )?;
    }
    writeln!(out)
}

fn render(
    handler: &GraphicalReportHandler,
    diagnostic: &dyn Diagnostic,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut text = String::new();
    handler
        .render_report(&mut text, diagnostic)
        .map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}

pub fn summary_line(outcome: &Outcome) -> String {
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = outcome
                .findings
                .iter()
                .filter(|f| f.severity == *sev)
                .count();
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    let findings = match outcome.findings.len() {
        0 => "no findings".to_owned(),
        1 => format!("1 finding ({})", counts.join(", ")),
        n => format!("{n} findings ({})", counts.join(", ")),
    };
    let errors = match outcome.errors.len() {
        0 => String::new(),
        1 => ", 1 file could not be read".to_owned(),
        n => format!(", {n} problems reading files"),
    };
    let files = match outcome.files_scanned {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    let hidden = [
        (outcome.suppressed.len(), "suppressed"),
        (outcome.baselined, "in the baseline"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!(", {n} {what}"))
    .collect::<String>();
    format!(
        "{findings} in {files} scanned ({} skipped){hidden}{errors}",
        outcome.files_skipped
    )
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium | Severity::Low => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<Arc<str>>>,
    /// Related locations in the same file become extra labels.
    labels: Vec<LabeledSpan>,
    /// Related locations in other files (a step of a path, a copy of a policy) are shown
    /// under the finding, each with a snippet of its own file.
    elsewhere: Vec<RelatedDiagnostic>,
}

/// A related location in another file than the finding's.
#[derive(Debug)]
struct RelatedDiagnostic {
    message: String,
    source: NamedSource<Arc<str>>,
    label: LabeledSpan,
}

impl fmt::Display for RelatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedDiagnostic {}

impl Diagnostic for RelatedDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, sources: &SourceMap) -> Self {
        let file = sources.get(finding.loc.file);
        let source = file.map(|f| NamedSource::new(f.display.clone(), Arc::clone(&f.text)));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(finding.severity.to_string()),
            source_span(finding.loc.span),
        )];
        labels.extend(
            finding
                .related
                .iter()
                .filter(|r| r.loc.file == finding.loc.file && r.loc.span != finding.loc.span)
                .map(|r| {
                    LabeledSpan::new_with_span(Some(r.message.clone()), source_span(r.loc.span))
                }),
        );
        let elsewhere = finding
            .related
            .iter()
            .filter(|r| r.loc.file != finding.loc.file)
            .filter_map(|r| {
                let file = sources.get(r.loc.file)?;
                Some(RelatedDiagnostic {
                    message: r.message.clone(),
                    source: NamedSource::new(file.display.clone(), Arc::clone(&file.text)),
                    label: LabeledSpan::new_primary_with_span(None, source_span(r.loc.span)),
                })
            })
            .collect();
        FindingDiagnostic {
            finding,
            source,
            labels,
            elsewhere,
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("finding", &self.finding.rule.code)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)?;
        for step in &self.finding.path {
            write!(f, "\n  path: {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} {}",
            self.finding.rule.code, self.finding.rule.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.finding.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|r| r as &dyn Diagnostic),
        ))
    }
}

struct ErrorDiagnostic<'a>(&'a InputError);

impl fmt::Debug for ErrorDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorDiagnostic")
            .field("file", &self.0.file)
            .finish()
    }
}

impl fmt::Display for ErrorDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.source.is_some() {
            f.write_str(&self.0.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.0.file, self.0.line, self.0.column, self.0.message
            )
        }
    }
}

impl std::error::Error for ErrorDiagnostic<'_> {}

impl Diagnostic for ErrorDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new("input-error"))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0
            .source
            .as_ref()
            .map(|(file, _)| &file.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (file, span) = self.0.source.as_ref()?;
        let label = format!("{}:{}:{}", file.display, self.0.line, self.0.column);
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), source_span(*span)),
        )))
    }
}
