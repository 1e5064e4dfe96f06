//! What a rule reports.
//!
//! One [`Finding`] type for every rule and every output format. Reporters render it; rules never
//! format output. The fingerprint leaves out line numbers so baselines survive unrelated edits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rules::RuleMeta;
use crate::source::{Loc, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected critical, high, medium, low or info)")
            })
    }
}

/// An extra location that explains a finding (a step of a path, the statement around it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub loc: Loc,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub loc: Loc,
    /// Logical id or Terraform address of the resource at fault.
    pub resource: String,
    pub message: String,
    pub help: Option<String>,
    /// For graph findings: the chain of nodes from source to target.
    pub path: Vec<String>,
    pub related: Vec<Related>,
    /// Set by [`Finding::seal`] once the file's display path is known.
    pub fingerprint: String,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, loc: Loc, resource: &str, message: String) -> Self {
        Finding {
            rule,
            severity: rule.severity,
            loc,
            resource: resource.to_owned(),
            message,
            help: None,
            path: Vec::new(),
            related: Vec::new(),
            fingerprint: String::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Related {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn with_path(mut self, path: Vec<String>) -> Self {
        self.path = path;
        self
    }

    /// Compute the fingerprint: rule, file, resource, message and the text at the location with
    /// white space removed. No line numbers, so moving a resource keeps its fingerprint.
    pub fn seal(&mut self, sources: &SourceMap) {
        let mut hasher = Sha256::new();
        let file = sources.get(self.loc.file);
        for field in [
            self.rule.code,
            file.map_or("", |f| f.display.as_str()),
            &self.resource,
            &self.message,
        ] {
            hasher.update(field.as_bytes());
            hasher.update([0u8]);
        }
        if let Some(text) = file.and_then(|f| {
            f.text
                .get(self.loc.span.start as usize..self.loc.span.end as usize)
        }) {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            hasher.update(compact.as_bytes());
        }
        let digest = hasher.finalize();
        self.fingerprint = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    }

    /// Report order: file, position, rule. Stable whatever order rules ran in.
    pub fn sort_key(&self) -> (crate::source::FileId, u32, u32, &'static str, &str) {
        (
            self.loc.file,
            self.loc.span.start,
            self.loc.span.end,
            self.rule.code,
            &self.message,
        )
    }
}
