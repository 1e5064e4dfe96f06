//! Reports: one module per output format.
//!
//! Reporters read only the [`Outcome`] (findings, errors, counts), the source texts for
//! snippets and [`ReportOptions`]; they never look at templates or the model, and never at the
//! environment. Each writes to a `Write`, never to stdout directly, so tests can capture any
//! format.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::Outcome;
use crate::finding::{Finding, Severity};
use crate::rules::RuleMeta;
use crate::source::{LineCol, Loc, SourceFile};

/// Output formats of `iamlint check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Findings with the template lines under each, for people.
    Human,
    /// The JSON report described in cli.md, for scripts.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML: one test case per rule and file.
    Junit,
}

/// What a report needs besides the [`Outcome`].
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// ANSI colour in the human report.
    pub color: bool,
    /// Leave out the summary line (`--quiet`).
    pub quiet: bool,
    /// List the findings hidden by suppressions, with their reasons (`--show-suppressed`).
    pub show_suppressed: bool,
    /// Where CI formats (SARIF, GitHub, JUnit) take file paths relative to. Without it they use
    /// the paths as the human report shows them.
    pub workspace: Option<Workspace>,
    /// The rules that ran: JUnit lists a test case for each of them in each file, passing or
    /// not.
    pub rules: Vec<&'static RuleMeta>,
}

/// Where the repository is. CI systems name files relative to the repository root (GitHub's
/// `file=` annotations and SARIF URIs), which is not always the directory iamlint ran in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// The directory paths in the [`Outcome`] are relative to.
    pub cwd: PathBuf,
    /// The repository root: absolute, normalized.
    pub root: PathBuf,
}

impl Workspace {
    /// The current directory and the nearest folder at or above it that holds `.git` (a folder,
    /// or a file in a worktree). Outside a repository the root is the current directory.
    pub fn detect() -> Option<Workspace> {
        let cwd = std::env::current_dir().ok()?;
        let root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .unwrap_or(cwd.as_path())
            .to_path_buf();
        Some(Workspace { cwd, root })
    }

    /// A report path (relative to `cwd`, or absolute) relative to the root with `/`
    /// separators; `None` when the file is outside the root.
    pub fn relative(&self, shown: &str) -> Option<String> {
        let absolute = normalize(&self.cwd.join(shown));
        let relative = absolute.strip_prefix(&self.root).ok()?;
        let parts: Vec<Cow<'_, str>> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The absolute path of a report path, `..` and `.` resolved without touching the disk.
    pub fn absolute(&self, shown: &str) -> PathBuf {
        normalize(&self.cwd.join(shown))
    }
}

/// Resolve `.` and `..` lexically. Symlinks are left alone on purpose: the walk reports paths
/// as the user wrote them, and CI checkouts have none in the path to the workspace.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl ReportOptions {
    /// How a CI format names a file: relative to the repository root when it is inside.
    fn ci_path<'a>(&self, shown: &'a str) -> Cow<'a, str> {
        self.workspace
            .as_ref()
            .and_then(|w| w.relative(shown))
            .map_or(Cow::Borrowed(shown), Cow::Owned)
    }
}

/// The three levels CI systems know. Critical and high fail a build in most setups, so they are
/// errors; info is only a note. The human report maps severities the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl From<Severity> for Level {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium | Severity::Low => Level::Warning,
            Severity::Info => Level::Note,
        }
    }
}

/// The project's home; rule pages are published under it, from `rules/` on the main branch.
pub const HOMEPAGE: &str = "https://github.com/iamlint/iamlint";

/// The published page of a rule (`rules/<CODE>.md`); SARIF `helpUri` and report links.
pub fn rule_docs_url(rule: &RuleMeta) -> String {
    format!("{HOMEPAGE}/blob/main/rules/{}.md", rule.code)
}

/// Where a finding is: its file and the start and end of its span (end exclusive).
fn position(outcome: &Outcome, loc: Loc) -> Option<(&SourceFile, LineCol, LineCol)> {
    let file: &SourceFile = outcome.sources.get(loc.file)?;
    Some((
        file,
        file.line_col(loc.span.start),
        file.line_col(loc.span.end),
    ))
}

/// A finding's message with its path and help, one per line, for formats that have a single
/// text field.
fn full_message(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    for step in &finding.path {
        text.push_str("\npath: ");
        text.push_str(step);
    }
    if let Some(help) = &finding.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// Percent-encode a `/`-separated path for a URI: everything but RFC 3986 unreserved
/// characters and the separators. `:` is encoded too, so a relative path's first segment is
/// never read as a scheme.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

const TRUNCATED: &str = " … (truncated)";

/// `text` cut to at most `max` characters, the cut marked, so a size limit of a consumer is
/// never exceeded silently.
fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let keep = max.saturating_sub(TRUNCATED.chars().count());
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(TRUNCATED);
    Cow::Owned(cut)
}

pub fn write_report(
    format: ReportFormat,
    outcome: &Outcome,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Human => human::write(outcome, options, out),
        ReportFormat::Json => json::write(outcome, options, out),
        ReportFormat::Sarif => sarif::write(outcome, options, out),
        ReportFormat::Github => github::write(outcome, options, out),
        ReportFormat::Junit => junit::write(outcome, options, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> Workspace {
        Workspace {
            cwd: PathBuf::from("/repo/infra"),
            root: PathBuf::from("/repo"),
        }
    }

    #[test]
    fn paths_are_made_relative_to_the_repository_root() {
        let w = workspace();
        assert_eq!(
            w.relative("stacks/app.yaml").as_deref(),
            Some("infra/stacks/app.yaml")
        );
        assert_eq!(
            w.relative("../other/./x.json").as_deref(),
            Some("other/x.json")
        );
        assert_eq!(w.relative("/repo/a.yaml").as_deref(), Some("a.yaml"));
        assert_eq!(w.relative("/elsewhere/a.yaml"), None);
        assert_eq!(w.relative("../../a.yaml"), None);
    }

    #[test]
    fn truncation_marks_the_cut_and_respects_the_limit() {
        assert_eq!(truncate("short", 10), "short");
        let long = "é".repeat(50);
        let cut = truncate(&long, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with("(truncated)"));
    }
}
