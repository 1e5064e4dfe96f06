//! Suppressions and baselines: which findings the user has reviewed and accepted.
//!
//! Suppressions are read from templates by normalization (resource `Metadata`, Terraform
//! `"//"` keys, `# iamlint: ignore[…]` comments); here they are matched against findings. A
//! suppression without a reason suppresses nothing (rule SUP001 reports it). A baseline file
//! hides findings by fingerprint, so adopting iamlint on an existing estate fails only on new
//! problems.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::model::{Suppression, SuppressionTarget};
use crate::source::{FileId, Loc, SourceMap};

/// Findings after suppressions, and the findings that were suppressed.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

/// A finding hidden by a suppression, with the suppression's reason and place, so
/// `--show-suppressed` can say who accepted what and why.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// The suppression (the `Metadata` entry, the comment, the `"//"` key).
    pub by: Loc,
}

/// A resource suppression covers the resource's findings wherever they point in its scope (a
/// Terraform role's trust may be a data source in another file of the module); a comment covers
/// its own line and the next.
fn covers(
    suppression: &Suppression,
    finding: &Finding,
    line: usize,
    same_scope: &dyn Fn(FileId, FileId) -> bool,
) -> bool {
    suppression.reason.is_some()
        && finding.rule.is_named(&suppression.rule)
        && match &suppression.target {
            SuppressionTarget::Resource(resource) => {
                *resource == finding.resource && same_scope(suppression.file, finding.loc.file)
            }
            SuppressionTarget::Line(comment) => {
                suppression.file == finding.loc.file && (line == *comment || line == comment + 1)
            }
        }
}

/// Split findings into kept and suppressed.
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    sources: &SourceMap,
    same_scope: &dyn Fn(FileId, FileId) -> bool,
) -> Applied {
    let mut applied = Applied::default();
    for finding in findings {
        let line = sources
            .get(finding.loc.file)
            .map_or(0, |f| f.line_col(finding.loc.span.start).line);
        let by = suppressions
            .iter()
            .find(|s| covers(s, &finding, line, same_scope));
        match by {
            Some(Suppression {
                reason: Some(reason),
                loc,
                ..
            }) => applied.suppressed.push(Suppressed {
                finding,
                reason: reason.clone(),
                by: *loc,
            }),
            _ => applied.kept.push(finding),
        }
    }
    applied
}

/// A baseline file: the fingerprints of accepted findings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Self {
        Baseline {
            version: 1,
            fingerprints: findings.iter().map(|f| f.fingerprint.clone()).collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("invalid baseline {}: {e}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint)
    }
}
