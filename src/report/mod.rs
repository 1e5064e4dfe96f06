//! Reports: one module per output format.
//!
//! Reporters read only the [`Outcome`] (findings, errors, counts) and the source texts for
//! snippets; they never look at templates or the model. Each writes to a `Write`, never to
//! stdout directly, so tests can capture any format.

pub mod human;
pub mod json;

use std::io::{self, Write};

use crate::Outcome;

/// Output formats of `iamlint check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

/// How the human report looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
    /// Leave out the summary line (`--quiet`).
    pub quiet: bool,
}

pub fn write_report(
    format: ReportFormat,
    outcome: &Outcome,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Human => human::write(outcome, style, out),
        ReportFormat::Json => json::write(outcome, out),
    }
}
