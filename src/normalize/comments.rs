//! The suppression marker `iamlint: ignore[CODE, …] reason`, and YAML comments holding it.
//!
//! [`parse_marker`] reads the marker wherever a format keeps it: a YAML `# …` comment here, a
//! Terraform JSON `"//"` string in [`crate::normalize::terraform`]. One reader, so that both
//! formats accept exactly the same marker.
//!
//! The YAML parser drops comments, so they are read from the text: a `#` that starts a line's
//! comment, followed by the marker. A `#` inside a quoted scalar that happens to hold the
//! marker would be read too; that is harmless, since it only names rules and a reason.

use crate::model::{Suppression, SuppressionTarget};
use crate::source::{FileId, Loc, SourceFile, Span};

const MARKER: &str = "iamlint: ignore[";

/// What a suppression marker says.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Marker {
    /// The rule codes or names listed, as written.
    pub rules: Vec<String>,
    /// The text after `]`, when there is any.
    pub reason: Option<String>,
}

/// The first `iamlint: ignore[XAC001, POL003] reason` in `text`; `None` when there is none or
/// its `]` is missing.
pub(super) fn parse_marker(text: &str) -> Option<Marker> {
    let at = text.find(MARKER)?;
    let (rules, reason) = text.get(at + MARKER.len()..)?.split_once(']')?;
    let reason = reason.trim();
    Some(Marker {
        rules: rules
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
    })
}

/// `…# iamlint: ignore[…] reason` → (column of `#`, the marker).
fn comment(line: &str) -> Option<(usize, Marker)> {
    let hash = line.find('#')?;
    Some((hash, parse_marker(line.get(hash..)?)?))
}

pub fn suppressions(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    if !source.text.contains(MARKER) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (index, line) in source.text.lines().enumerate() {
        let Some((column, Marker { rules, reason })) = comment(line) else {
            continue;
        };
        let line_number = index + 1;
        let start = source.line_start(line_number).unwrap_or(0) as usize + column;
        let loc = Loc::new(file, Span::new(start, start + line.len() - column));
        found.extend(rules.into_iter().map(|rule| Suppression {
            file,
            target: SuppressionTarget::Line(line_number),
            rule,
            reason: reason.clone(),
            loc,
        }));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers() {
        let marker =
            parse_marker("iamlint: ignore[XAC002, any-aws-principal-trust] reviewed 2026-10 ")
                .unwrap();
        assert_eq!(marker.rules, ["XAC002", "any-aws-principal-trust"]);
        assert_eq!(marker.reason.as_deref(), Some("reviewed 2026-10"));
        let bare = parse_marker("note: iamlint: ignore[ XAC002 ,, ]   ").unwrap();
        assert_eq!(bare.rules, ["XAC002"]);
        assert_eq!(bare.reason, None);
        assert!(parse_marker("iamlint: ignore[XAC002 reviewed").is_none());
        assert!(parse_marker("iamlint: ignore XAC002").is_none());
    }

    #[test]
    fn reads_markers_in_comments_only() {
        let (column, marker) = comment(
            "    AWS: '*'  # iamlint: ignore[XAC002, any-aws-principal-trust] reviewed 2026-10",
        )
        .unwrap();
        assert_eq!(column, 14);
        assert_eq!(marker.rules, ["XAC002", "any-aws-principal-trust"]);
        assert_eq!(comment("# iamlint: ignore[XAC002]").unwrap().1.reason, None);
        assert!(comment("AWS: '*'").is_none());
        assert!(comment("note: iamlint: ignore[XAC002] not a comment").is_none());
    }
}
