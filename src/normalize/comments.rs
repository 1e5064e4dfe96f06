//! `# iamlint: ignore[CODE, …] reason` comments in YAML templates → suppressions.
//!
//! The YAML parser drops comments, so they are read from the text: a `#` that starts a line's
//! comment, followed by the marker. A `#` inside a quoted scalar that happens to hold the
//! marker would be read too; that is harmless, since it only names rules and a reason.

use crate::model::{Suppression, SuppressionTarget};
use crate::source::{FileId, Loc, SourceFile, Span};

const MARKER: &str = "iamlint: ignore[";

/// `…# iamlint: ignore[XAC001, POL003] reason` → (column of `#`, rules, reason).
fn parse(line: &str) -> Option<(usize, Vec<String>, Option<String>)> {
    let hash = line.find('#')?;
    let at = line.get(hash..)?.find(MARKER)? + hash;
    let rest = line.get(at + MARKER.len()..)?;
    let close = rest.find(']')?;
    let rules = rest[..close]
        .split(',')
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    let reason = rest[close + 1..].trim();
    Some((hash, rules, (!reason.is_empty()).then(|| reason.to_owned())))
}

pub fn suppressions(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    if !source.text.contains(MARKER) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (index, line) in source.text.lines().enumerate() {
        let Some((column, rules, reason)) = parse(line) else {
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
    fn parses_suppression_comments() {
        let (_, rules, reason) = parse(
            "    AWS: '*'  # iamlint: ignore[XAC002, any-aws-principal-trust] reviewed 2026-10",
        )
        .unwrap();
        assert_eq!(rules, ["XAC002", "any-aws-principal-trust"]);
        assert_eq!(reason.as_deref(), Some("reviewed 2026-10"));
        assert_eq!(parse("# iamlint: ignore[XAC002]").unwrap().2, None);
        assert!(parse("AWS: '*'").is_none());
        assert!(parse("note: iamlint: ignore[XAC002] not a comment").is_none());
    }
}
