//! iamlint: static analysis of AWS IAM in CloudFormation and Terraform JSON.
//!
//! The pipeline, one module per stage:
//! [`discover`] (which files) → [`input`] (read, decode, [`parse`] with spans, classify) →
//! [`normalize`] (one IAM [`model`]) → [`rules`] → [`report`].
//! [`check`] runs it end to end and returns an [`Outcome`]; the binary only maps that to output
//! and an exit code.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod cli;
pub mod config;
pub mod discover;
pub mod finding;
pub mod graph;
pub mod input;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::discover;
use crate::finding::{Finding, Severity};
use crate::input::{Document, InputError, LoadOptions, Loaded, load};
use crate::rules::Selection;
use crate::source::SourceMap;

/// Everything one run needs, validated.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub selection: Selection,
    pub load: LoadOptions,
    pub exclude: config::Exclude,
    pub named: discover::NamedFiles,
    /// Findings recorded here are hidden (`--baseline`).
    pub baseline: Option<suppress::Baseline>,
    /// Which account each template belongs to (`[[accounts]]` in `iamlint.toml`).
    pub accounts: config::Accounts,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub sources: SourceMap,
    /// Sorted by file, position, rule.
    pub findings: Vec<Finding>,
    /// Findings hidden by a suppression with a reason, sorted likewise.
    pub suppressed: Vec<suppress::Suppressed>,
    /// How many findings the baseline hid.
    pub baselined: usize,
    pub errors: Vec<InputError>,
    pub files_scanned: usize,
    pub files_skipped: usize,
    pub graph: graph::IamGraph,
}

impl Outcome {
    /// 2 when an input could not be read, else 1 when a finding is at or above `fail_on`.
    pub fn exit_code(&self, fail_on: Severity) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.findings.iter().any(|f| f.severity >= fail_on) {
            1
        } else {
            0
        }
    }
}

/// Run the whole pipeline. Call inside a rayon pool to bound the worker threads.
pub fn check(settings: &Settings) -> Outcome {
    let discovery = discover(&settings.paths, &settings.exclude, settings.named);
    let loaded: Vec<Loaded> = discovery
        .candidates
        .par_iter()
        .map(|candidate| load_guarded(candidate, &settings.load))
        .collect();

    let mut outcome = Outcome {
        errors: discovery.errors,
        ..Outcome::default()
    };
    let mut documents: Vec<(source::FileId, Document)> = Vec::new();
    for item in loaded {
        match item {
            Loaded::Document(document) => {
                let id = outcome.sources.add(Arc::clone(&document.source));
                outcome.files_scanned += 1;
                documents.push((id, document));
            }
            Loaded::Skipped => outcome.files_skipped += 1,
            Loaded::Error(error) => outcome.errors.push(error),
        }
    }

    let (model, normalize_errors) = normalize::normalize_all(&documents);
    outcome.errors.extend(normalize_errors);

    let facts = file_facts(&documents, &settings.accounts);
    outcome.graph = graph::build(&model, &facts, &settings.accounts);

    let mut findings = rules::run(
        &model,
        &outcome.graph,
        &facts,
        &settings.accounts,
        &settings.selection,
    );
    for finding in &mut findings {
        finding.seal(&outcome.sources);
    }
    let same_scope = |a, b| graph::same_scope(&facts, a, b);
    let applied = suppress::apply(findings, &model.suppressions, &outcome.sources, &same_scope);
    let (mut findings, mut suppressed) = (applied.kept, applied.suppressed);
    if let Some(baseline) = &settings.baseline {
        let before = findings.len();
        findings.retain(|f| !baseline.contains(f));
        outcome.baselined = before - findings.len();
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    outcome.findings = findings;
    outcome.suppressed = suppressed;
    outcome
        .errors
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    outcome
}

/// Account and reference scope of each file, indexed by `FileId` (documents are in id order).
fn file_facts(
    documents: &[(source::FileId, Document)],
    accounts: &config::Accounts,
) -> Vec<graph::FileFacts> {
    let mut folders: std::collections::HashMap<&std::path::Path, usize> =
        std::collections::HashMap::new();
    documents
        .iter()
        .enumerate()
        .map(|(i, (_, document))| {
            let scope = match document.format {
                model::Format::TerraformConfig => {
                    let folder = document
                        .source
                        .path
                        .parent()
                        .unwrap_or(std::path::Path::new(""));
                    let next = documents.len() + folders.len();
                    *folders.entry(folder).or_insert(next)
                }
                _ => i,
            };
            let account = match accounts.account_for(&document.source.path) {
                config::AccountAssignment::Configured(account) => {
                    graph::AccountKey::Id(account.id.clone())
                }
                config::AccountAssignment::Unnamed => graph::AccountKey::Unnamed,
            };
            graph::FileFacts { account, scope }
        })
        .collect()
}

/// Reading and parsing never panic by design; this turns a bug that does into an error for
/// that one file instead of aborting the run.
fn load_guarded(candidate: &discover::Candidate, options: &LoadOptions) -> Loaded {
    std::panic::catch_unwind(|| load(candidate, options)).unwrap_or_else(|_| {
        Loaded::Error(InputError::whole_file(
            &candidate.path,
            "internal error while reading this file (please report it)".to_owned(),
        ))
    })
}
