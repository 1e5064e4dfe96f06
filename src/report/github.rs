//! `--format github`: GitHub Actions workflow commands (`::error file=…::message`), which the
//! runner turns into annotations on the pull request, and the Markdown job summary.
//!
//! GitHub shows at most 10 annotations of each kind per step and drops the rest silently, so
//! the most severe come first and a notice says how many are in the log only. Escaping follows
//! `@actions/core` (`toCommandValue`, `escapeData`, `escapeProperty`).

use std::io::{self, Write};

use super::human::summary_line;
use super::{Level, ReportOptions, encode_path, full_message, position, rule_docs_url, truncate};
use crate::Outcome;

/// Annotations GitHub shows per kind (error, warning, notice) and step.
const SHOWN_PER_LEVEL: usize = 10;
/// GitHub rejects a step summary over 1 MiB (1,048,576 bytes); leave room for the last lines.
const SUMMARY_BUDGET: usize = 1_000_000;
/// Longest message in a summary table cell; the full text is in the annotation and the log.
const MAX_CELL: usize = 1000;

/// Message data: `%`, CR and LF are escaped so a multi-line message stays one command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values: also `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

fn command(level: Level, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{} {}::{}",
        command_name(level),
        properties.join(","),
        escape_data(message)
    )
}

/// How many annotations GitHub would drop, counting the notice that says so.
fn hidden_annotations(per_level: [usize; 3]) -> usize {
    let [errors, warnings, notes] = per_level;
    let hidden = errors.saturating_sub(SHOWN_PER_LEVEL) + warnings.saturating_sub(SHOWN_PER_LEVEL);
    if hidden == 0 && notes <= SHOWN_PER_LEVEL {
        return 0;
    }
    // The notice about the cut takes one of the notice slots.
    hidden + notes.saturating_sub(SHOWN_PER_LEVEL - 1)
}

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let errors = outcome.errors.iter().map(|error| {
        let properties = [
            ("file", options.ci_path(&error.file).into_owned()),
            ("line", error.line.to_string()),
            ("col", error.column.to_string()),
            ("title", "iamlint input error".to_owned()),
        ];
        (
            Level::Error,
            command(Level::Error, &properties, &error.message),
        )
    });
    let findings = outcome.findings.iter().map(|finding| {
        let level = Level::from(finding.severity);
        let mut properties = Vec::with_capacity(6);
        if let Some((file, start, end)) = position(outcome, finding.loc) {
            properties.extend([
                ("file", options.ci_path(&file.display).into_owned()),
                ("line", start.line.to_string()),
                ("col", start.column.to_string()),
                ("endLine", end.line.to_string()),
                ("endColumn", end.column.to_string()),
            ]);
        }
        properties.push((
            "title",
            format!("{} {}", finding.rule.code, finding.rule.name),
        ));
        let message = format!(
            "[{}] {}: {}",
            finding.severity,
            finding.resource,
            full_message(finding)
        );
        (level, command(level, &properties, &message))
    });
    let mut lines: Vec<(Level, String)> = errors.chain(findings).collect();
    // Stable: most severe first, report order within a level. GitHub keeps the first ten.
    lines.sort_by_key(|(level, _)| *level);

    let mut per_level = [0; 3];
    for (level, _) in &lines {
        per_level[*level as usize] += 1;
    }
    let hidden = hidden_annotations(per_level);
    let notes_start = lines.partition_point(|(level, _)| *level < Level::Note);
    let (serious, notes) = lines.split_at(notes_start);
    for (_, line) in serious {
        writeln!(out, "{line}")?;
    }
    if hidden > 0 {
        let notice = format!(
            "{hidden} problems are not shown as annotations: GitHub shows at most \
             {SHOWN_PER_LEVEL} errors, {SHOWN_PER_LEVEL} warnings and {SHOWN_PER_LEVEL} notices \
             per step. This log lists them all."
        );
        writeln!(
            out,
            "{}",
            command(Level::Note, &[("title", "iamlint".to_owned())], &notice)
        )?;
    }
    for (_, line) in notes {
        writeln!(out, "{line}")?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(outcome))?;
    }
    Ok(())
}

/// Text for a Markdown table cell: no line breaks or pipes, and no raw HTML (a message such as
/// `<provider>:aud` would otherwise vanish as an unknown tag).
fn cell(text: &str) -> String {
    truncate(text, MAX_CELL)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\r', "")
        .replace('\n', "<br>")
}

/// A cell naming a place, linked to the file on GitHub when `blob_url` (a
/// `…/blob/<commit>` URL) is given and the file is in the repository.
fn place_cell(options: &ReportOptions, shown: &str, line: usize, blob_url: Option<&str>) -> String {
    let label = format!("{}:{line}", cell(&options.ci_path(shown)));
    let relative = options.workspace.as_ref().and_then(|w| w.relative(shown));
    match (blob_url, relative) {
        (Some(base), Some(path)) => format!("[{label}]({base}/{}#L{line})", encode_path(&path)),
        _ => label,
    }
}

/// Rows added while they fit in the budget; the rest are counted.
struct Table {
    text: String,
    left_out: usize,
}

impl Table {
    fn row(&mut self, row: String) {
        if self.left_out == 0 && self.text.len() + row.len() < SUMMARY_BUDGET {
            self.text.push_str(&row);
        } else {
            self.left_out += 1;
        }
    }
}

/// The job summary: counts, then a table of findings and one of inputs that could not be read,
/// in GitHub-flavoured Markdown, within GitHub's size limit.
pub fn write_summary(
    outcome: &Outcome,
    options: &ReportOptions,
    blob_url: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut table = Table {
        text: format!("## iamlint\n\n{}\n", cell(&summary_line(outcome))),
        left_out: 0,
    };
    if !outcome.findings.is_empty() {
        table.text.push_str(
            "\n| Severity | Rule | Location | Resource | Message |\n| --- | --- | --- | --- | --- |\n",
        );
        for finding in &outcome.findings {
            let place = match position(outcome, finding.loc) {
                Some((file, start, _)) => place_cell(options, &file.display, start.line, blob_url),
                None => String::new(),
            };
            table.row(format!(
                "| {} | [{}]({}) {} | {place} | {} | {} |\n",
                finding.severity,
                finding.rule.code,
                rule_docs_url(finding.rule),
                finding.rule.name,
                cell(&finding.resource),
                cell(&full_message(finding)),
            ));
        }
    }
    if !outcome.errors.is_empty() && table.left_out == 0 {
        table.text.push_str(
            "\n**Inputs that could not be read**\n\n| Location | Problem |\n| --- | --- |\n",
        );
    }
    for error in &outcome.errors {
        let place = place_cell(options, &error.file, error.line, blob_url);
        table.row(format!("| {place} | {} |\n", cell(&error.message)));
    }
    if table.left_out > 0 {
        table.text.push_str(&format!(
            "\n…and {} more rows: the job summary is limited to 1 MiB. The annotations in the \
             log and the SARIF report list everything.\n",
            table.left_out
        ));
    }
    table.text.push('\n');
    out.write_all(table.text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(
            command(Level::Warning, &[("file", "a,b.yaml".to_owned())], "x: y"),
            "::warning file=a%2Cb.yaml::x: y"
        );
    }

    #[test]
    fn the_notice_about_hidden_annotations_counts_itself() {
        assert_eq!(hidden_annotations([10, 10, 10]), 0);
        assert_eq!(hidden_annotations([12, 0, 0]), 2);
        // 11 notes: the cut notice takes a slot, so two notes are hidden.
        assert_eq!(hidden_annotations([0, 0, 11]), 2);
        assert_eq!(hidden_annotations([11, 0, 3]), 1);
    }

    #[test]
    fn table_cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b\n<c> & d"), "a\\|b<br>&lt;c&gt; &amp; d");
    }
}
