//! IAM wildcards (`*` any run, `?` one character) compiled once per pattern into the shape
//! that lets a sorted name list answer cheaply: an exact name or a prefix is a binary search,
//! a suffix or infix a plain substring test, and only the rest runs the backtracking matcher.
//!
//! Everything here works on lower-case ASCII: catalog names are ASCII (an invariant of the
//! data, asserted by the generator), so a pattern byte outside ASCII simply never matches.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Glob<'p> {
    /// No wildcard.
    Exact(&'p str),
    /// Only `*`s: everything.
    All,
    Prefix(&'p str),
    Suffix(&'p str),
    Contains(&'p str),
    /// Any other mix of `*`, `?` and text.
    General(&'p [u8]),
}

impl<'p> Glob<'p> {
    /// `pattern` must already be lower-case.
    pub(super) fn compile(pattern: &'p str) -> Self {
        if !pattern.contains(['*', '?']) {
            return Glob::Exact(pattern);
        }
        if pattern.bytes().all(|b| b == b'*') {
            return Glob::All;
        }
        let inner = pattern.trim_matches('*');
        if inner.contains(['*', '?']) {
            return Glob::General(pattern.as_bytes());
        }
        match (pattern.starts_with('*'), pattern.ends_with('*')) {
            (false, true) => Glob::Prefix(inner),
            (true, false) => Glob::Suffix(inner),
            (true, true) => Glob::Contains(inner),
            // Unreachable: a wildcard exists and is not inside `inner`, so it is at an end.
            (false, false) => Glob::General(pattern.as_bytes()),
        }
    }

    pub(super) fn has_wildcard(self) -> bool {
        !matches!(self, Glob::Exact(_))
    }

    /// `name` must be lower-case.
    pub(super) fn matches(self, name: &str) -> bool {
        match self {
            Glob::Exact(text) => name == text,
            Glob::All => true,
            Glob::Prefix(text) => name.starts_with(text),
            Glob::Suffix(text) => name.ends_with(text),
            Glob::Contains(text) => name.contains(text),
            Glob::General(pattern) => general_match(pattern, name.as_bytes()),
        }
    }
}

/// Classic greedy matcher: on a mismatch, retry from the last `*` one character further on.
/// Linear in practice for IAM patterns (a few stars), never recursive.
fn general_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut retry: Option<(usize, usize)> = None;
    while t < text.len() {
        match (pattern.get(p), text.get(t)) {
            (Some(b'*'), _) => {
                retry = Some((p, t));
                p += 1;
            }
            (Some(&pc), Some(&tc)) if pc == b'?' || pc == tc => {
                p += 1;
                t += 1;
            }
            _ => match retry {
                Some((star, from)) => {
                    p = star + 1;
                    t = from + 1;
                    retry = Some((star, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_to_the_cheapest_shape() {
        assert_eq!(Glob::compile("getobject"), Glob::Exact("getobject"));
        assert_eq!(Glob::compile("**"), Glob::All);
        assert_eq!(Glob::compile("create*"), Glob::Prefix("create"));
        assert_eq!(Glob::compile("*policy"), Glob::Suffix("policy"));
        assert_eq!(Glob::compile("**object*"), Glob::Contains("object"));
        assert_eq!(Glob::compile("get*acl"), Glob::General(b"get*acl"));
        assert_eq!(Glob::compile("get?bject"), Glob::General(b"get?bject"));
        assert_eq!(Glob::compile("*get?*"), Glob::General(b"*get?*"));
    }

    #[test]
    fn matches_like_iam() {
        let cases = [
            ("get*acl", "getobjectacl", true),
            ("get*acl", "getobjectacls", false),
            ("*object*", "putobjectacl", true),
            ("get?bject", "getobject", true),
            ("get?bject", "getbject", false),
            ("*a*b*", "xaxxbx", true),
            ("*a*b*", "xbxxax", false),
            ("a*", "a", true),
            ("?", "", false),
            ("*", "", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                Glob::compile(pattern).matches(name),
                expected,
                "{pattern} vs {name}"
            );
            assert_eq!(
                crate::model::policy::wildcard_match(pattern, name),
                expected,
                "model helper disagrees on {pattern} vs {name}"
            );
        }
    }
}
