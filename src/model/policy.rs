//! Policy documents: statements, principals, actions, conditions.
//!
//! One shape for trust, identity and resource policies from either input format. The helper
//! predicates encode IAM semantics that several rules share (action wildcards, what makes a
//! condition narrow the caller); see `docs` in the repository and AWS's policy grammar.

use super::expr::Expr;
use crate::source::Loc;

/// Where a document is used: it decides whether `Principal` is required or forbidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// A role's trust policy (`AssumeRolePolicyDocument`, `assume_role_policy`).
    Trust,
    /// Attached to a principal (inline, managed).
    Identity,
    /// Attached to a resource (bucket, queue, key…).
    Resource,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    pub kind: PolicyKind,
    pub loc: Loc,
    pub version: Option<Expr>,
    pub statements: Vec<Statement>,
    /// The document (or its statement list) is built by an intrinsic we could not evaluate:
    /// rules must not read "no statements" as "grants nothing".
    pub opaque: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
    /// Missing, misspelt or not a literal.
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub loc: Loc,
    pub sid: Option<Expr>,
    pub effect: Effect,
    pub effect_loc: Loc,
    pub principal: Option<Principals>,
    pub not_principal: Option<Principals>,
    pub action: Option<Vec<Expr>>,
    pub not_action: Option<Vec<Expr>>,
    pub resource: Option<Vec<Expr>>,
    pub not_resource: Option<Vec<Expr>>,
    pub conditions: Conditions,
}

/// The `Principal` (or `NotPrincipal`) element.
#[derive(Clone, Debug, PartialEq)]
pub struct Principals {
    pub loc: Loc,
    pub entries: Vec<PrincipalEntry>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalEntry {
    pub kind: PrincipalKind,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `Principal: "*"` written bare: everyone, signed or not.
    Everyone,
    Aws,
    Service,
    Federated,
    CanonicalUser,
    Other(String),
}

/// The `Condition` element.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Conditions {
    pub loc: Option<Loc>,
    pub items: Vec<Condition>,
    /// The block is built by an intrinsic we could not evaluate (`!If` around it…).
    pub opaque: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// As written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    pub operator_loc: Loc,
    pub key: String,
    pub key_loc: Loc,
    pub values: Vec<Expr>,
}

impl Statement {
    /// Whether the statement's `Action`/`NotAction` may cover `action` (e.g.
    /// `sts:AssumeRoleWithWebIdentity`). Unknown (symbolic) actions count as possibly covering.
    pub fn covers_action(&self, action: &str) -> bool {
        if let Some(actions) = &self.action {
            return actions.iter().any(|a| action_matches(a, action));
        }
        if let Some(not_actions) = &self.not_action {
            return !not_actions
                .iter()
                .any(|a| a.as_literal().is_some_and(|p| wildcard_match(p, action)));
        }
        false
    }

    /// The `Action` value that covers `action`, for pointing a finding at it.
    pub fn action_covering(&self, action: &str) -> Option<&Expr> {
        self.action
            .as_ref()?
            .iter()
            .find(|a| action_matches(a, action))
    }

    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// Principal entries of one kind, with `Principal: "*"` counted in every kind.
    pub fn principals_of<'a>(
        &'a self,
        kind: &'a PrincipalKind,
    ) -> impl Iterator<Item = &'a PrincipalEntry> + 'a {
        self.principal
            .iter()
            .flat_map(|p| p.entries.iter())
            .filter(move |e| e.kind == *kind || e.kind == PrincipalKind::Everyone)
    }
}

fn action_matches(pattern: &Expr, action: &str) -> bool {
    match pattern.as_literal() {
        Some(p) => wildcard_match(p, action),
        None => pattern.is_symbolic(),
    }
}

/// IAM wildcard match: `*` any run, `?` one character, case-insensitive (as for actions);
/// whitespace around the pattern is ignored. It runs for every statement and action the graph
/// and the rules ask about, so it works in place on both strings: no lower-case copies.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.trim();
    // Greedy with one retry point: on a mismatch, let the last `*` absorb one more character
    // of the text. Linear for IAM's few-star patterns, never recursive. Positions are byte
    // offsets at character boundaries.
    let (mut p, mut t) = (0usize, 0usize);
    let mut retry: Option<(usize, usize)> = None;
    while let Some(tc) = char_at(text, t) {
        match char_at(pattern, p) {
            Some('*') => {
                p += 1;
                retry = Some((p, t));
            }
            Some(pc) if pc == '?' || same_char(pc, tc) => {
                p += pc.len_utf8();
                t += tc.len_utf8();
            }
            _ => match retry {
                Some((after_star, from)) => {
                    let from = from + char_at(text, from).map_or(1, char::len_utf8);
                    retry = Some((after_star, from));
                    (p, t) = (after_star, from);
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.bytes().all(|b| b == b'*'))
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Case-insensitive character equality; ASCII, the usual case, never builds a lower-case form.
fn same_char(a: char, b: char) -> bool {
    a == b || a.eq_ignore_ascii_case(&b) || (!a.is_ascii() && a.to_lowercase().eq(b.to_lowercase()))
}

/// An operator split into its parts: `ForAnyValue:StringLikeIfExists` →
/// (`Some("ForAnyValue")`, `"StringLike"`, if_exists = true).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator<'a> {
    pub set_qualifier: Option<&'a str>,
    pub base: &'a str,
    pub if_exists: bool,
}

impl Condition {
    pub fn parsed_operator(&self) -> Operator<'_> {
        let (set_qualifier, rest) = match self.operator.split_once(':') {
            Some((q, rest)) => (Some(q), rest),
            None => (None, self.operator.as_str()),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        Operator {
            set_qualifier,
            base,
            if_exists,
        }
    }

    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }

    /// Whether this condition can only be true for callers whose `key` matches one of its
    /// values: a positive equality or pattern test, not `...IfExists` (true when the key is
    /// absent), not negated, not `ForAllValues` (true for an empty set). What the values let
    /// through is a separate question (see [`Condition::pins_value`]).
    pub fn is_positive_test(&self) -> bool {
        let op = self.parsed_operator();
        let positive = matches!(
            op.base,
            "StringEquals"
                | "StringEqualsIgnoreCase"
                | "StringLike"
                | "ArnEquals"
                | "ArnLike"
                | "NumericEquals"
                | "Bool"
        );
        positive && !op.if_exists && op.set_qualifier != Some("ForAllValues")
    }

    /// Whether `*` and `?` in the values are wildcards rather than literal characters.
    pub fn is_pattern_test(&self) -> bool {
        matches!(self.parsed_operator().base, "StringLike" | "ArnLike")
    }

    /// Whether this condition can only be true for callers whose `key` has one of a fixed set
    /// of values: a positive test (see [`Condition::is_positive_test`]) with at least one value,
    /// none of them a bare wildcard.
    pub fn pins_value(&self) -> bool {
        self.is_positive_test()
            && !self.values.is_empty()
            && self.values.iter().all(|v| !is_wildcard_only(v))
    }
}

/// `*`, `?*`, `**`…: a value that matches anything. Symbolic values are not wildcards.
pub fn is_wildcard_only(value: &Expr) -> bool {
    value
        .as_literal()
        .is_some_and(|t| !t.is_empty() && t.chars().all(|c| c == '*' || c == '?'))
}

impl Conditions {
    /// Conditions on `key` that pin it to concrete values.
    pub fn pinning<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.items
            .iter()
            .filter(move |c| c.key_is(key) && c.pins_value())
    }

    pub fn pins(&self, key: &str) -> bool {
        self.pinning(key).next().is_some()
    }

    /// Whether any condition pins one of `keys` (prefix match when a key ends in `/`, as in
    /// `aws:PrincipalTag/`).
    pub fn pins_any(&self, keys: &[&str]) -> bool {
        self.items.iter().any(|c| {
            c.pins_value()
                && keys.iter().any(|k| match k.strip_suffix('/') {
                    Some(prefix) => c
                        .key
                        .to_ascii_lowercase()
                        .starts_with(&format!("{}/", prefix.to_ascii_lowercase())),
                    None => c.key_is(k),
                })
        })
    }
}

/// What a statement reaches and how its conditions narrow it: shared by the graph (effective
/// permissions, admin-equivalence) and the rules.
impl Statement {
    /// The statement's literal action patterns and whether they are a `NotAction` list, as
    /// the catalog expands them. `None` without an action element, or for a `NotAction` with a
    /// value not known statically: what it leaves out is unknown. An `Action` value not known
    /// statically is left out, since it names nothing the scan can check.
    pub fn action_patterns(&self) -> Option<(bool, Vec<&str>)> {
        if let Some(actions) = &self.action {
            return Some((false, actions.iter().filter_map(Expr::as_literal).collect()));
        }
        let not_actions = self.not_action.as_ref()?;
        let known: Option<Vec<&str>> = not_actions.iter().map(Expr::as_literal).collect();
        Some((true, known?))
    }

    /// The first `Resource` value of a statement that matches every resource.
    pub fn any_resource(&self) -> Option<&Expr> {
        self.resource.as_ref()?.iter().find(|r| is_any_resource(r))
    }

    /// Whether some condition of the statement scopes it. A condition block we could not read
    /// counts as scoping: rules using this report grants they can show are unconditional.
    pub fn is_scoped(&self) -> bool {
        self.conditions.opaque || self.conditions.items.iter().any(Condition::scopes)
    }
}

impl Condition {
    /// Whether a condition narrows when an `Allow` applies (rules.md: a condition "scopes" only
    /// when it can actually narrow who matches). Positive tests with concrete values scope, and so
    /// do range tests (`NumericLessThan aws:MultiFactorAuthAge`, `DateLessThan aws:CurrentTime`)
    /// and source networks other than the whole internet. `…IfExists`, negated operators,
    /// `ForAllValues`, `Null`, wildcard-only values and `aws:SecureTransport` do not: each is true
    /// for a caller who simply leaves the key out or is on TLS.
    pub fn scopes(&self) -> bool {
        if NON_SCOPING_KEYS.iter().any(|k| self.key_is(k)) {
            return false;
        }
        if self.pins_value() {
            return true;
        }
        let op = self.parsed_operator();
        let range = matches!(
            op.base,
            "NumericLessThan"
                | "NumericLessThanEquals"
                | "NumericGreaterThan"
                | "NumericGreaterThanEquals"
                | "DateEquals"
                | "DateLessThan"
                | "DateLessThanEquals"
                | "DateGreaterThan"
                | "DateGreaterThanEquals"
                | "BinaryEquals"
        );
        let network = op.base == "IpAddress" && !self.values.iter().any(is_open_cidr);
        (range || network)
            && !op.if_exists
            && op.set_qualifier.is_none()
            && !self.values.is_empty()
            && self.values.iter().all(|v| !is_wildcard_only(v))
    }

    /// Whether a condition narrows which resources an `Allow` reaches: a positive test with fixed
    /// values on a resource or request tag (`aws:ResourceTag/…`, `aws:RequestTag/…`), or on any
    /// service-specific key (`ec2:ResourceTag/…`, `s3:prefix`, `iam:PassedToService`). A request
    /// that does not carry the key fails such a test, so actions that cannot satisfy it are not
    /// granted at all. Other global keys (`aws:RequestedRegion`, `aws:SourceIp`,
    /// `aws:PrincipalTag/…`, `aws:ResourceAccount`) narrow where or by whom, not which resources:
    /// every resource of the region or account stays in reach.
    pub fn narrows_resources(&self) -> bool {
        if !self.pins_value() {
            return false;
        }
        let key = self.key.to_ascii_lowercase();
        match key.split_once(':') {
            Some(("aws", name)) => {
                name.starts_with("resourcetag/") || name.starts_with("requesttag/")
            }
            Some(_) => true,
            None => false,
        }
    }
}

/// Condition keys whose value any caller can satisfy, so pinning them narrows nothing.
const NON_SCOPING_KEYS: &[&str] = &["aws:SecureTransport"];

/// A `Resource` value that matches every resource: `*`, or an ARN whose fields after the
/// partition are all wildcards (`arn:aws:*:*:*:*`, `arn:*:*:*:*:*`).
pub fn is_any_resource(value: &Expr) -> bool {
    let Some(text) = value.as_literal() else {
        return false;
    };
    let text = text.trim();
    if is_wildcard_only(value) {
        return text.contains('*');
    }
    let Some(rest) = text.strip_prefix("arn:") else {
        return false;
    };
    let all_star = |f: &str| !f.is_empty() && f.chars().all(|c| c == '*');
    match rest.split_once(':') {
        Some((_partition, tail)) => tail.split(':').all(all_star),
        None => all_star(rest),
    }
}

/// A CIDR so short it covers a large part of the internet (`0.0.0.0/0`, `::/0`, any IPv4
/// prefix under /8 or IPv6 prefix under /16): as good as no source restriction.
fn is_open_cidr(value: &Expr) -> bool {
    let Some((address, prefix)) = value.as_literal().and_then(|t| t.trim().split_once('/')) else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    if address.contains(':') {
        prefix < 16
    } else {
        prefix < 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matcher_edge_cases() {
        let cases = [
            ("", "", true),
            ("", "a", false),
            ("a", "", false),
            ("*", "", true),
            ("**", "", true),
            ("?", "", false),
            ("?", "a", true),
            ("??", "a", false),
            ("IAM:PassRole", "iam:passrole", true),
            ("iam:passrole", "IAM:PASSROLE", true),
            ("iam:PassRole", "iam:PassRoles", false),
            ("iam:PassRoles", "iam:PassRole", false),
            ("  s3:Get*  ", "s3:GetObject", true),
            ("s3:Get*", " s3:GetObject", false),
            ("*a*b*c", "xaybzc", true),
            ("*a*b*c", "xaybzcx", false),
            ("*a*b*c", "cba", false),
            ("a*a*a", "aaa", true),
            ("a*a*a", "aa", false),
            ("*aab", "aaaab", true),
            ("s3:*Object?cl", "s3:GetObjectAcl", true),
            ("s3:*Object?cl", "s3:GetObjectcl", false),
            ("ÄB*", "äbc", true),
            ("a?c", "aéc", true),
            ("a?c", "aééc", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern:?} vs {text:?}"
            );
        }
    }

    #[test]
    fn wildcards_match_case_insensitively() {
        assert!(wildcard_match(
            "sts:AssumeRole*",
            "sts:assumerolewithwebidentity"
        ));
        assert!(wildcard_match("*", "sts:AssumeRole"));
        assert!(wildcard_match("sts:*", "sts:AssumeRole"));
        assert!(wildcard_match("s3:*Object*", "s3:GetObjectAcl"));
        assert!(wildcard_match("sts:Assume?ole", "sts:AssumeRole"));
        assert!(!wildcard_match("sts:AssumeRole", "sts:AssumeRoleWithSAML"));
        assert!(!wildcard_match("iam:*", "sts:AssumeRole"));
    }

    fn condition(op: &str, values: &[&str]) -> Condition {
        keyed(op, "k", values)
    }

    #[test]
    fn what_pins_a_value() {
        assert!(condition("StringEquals", &["a"]).pins_value());
        assert!(condition("StringLike", &["repo:acme/*"]).pins_value());
        assert!(!condition("StringLike", &["*"]).pins_value());
        assert!(!condition("StringEqualsIfExists", &["a"]).pins_value());
        assert!(!condition("StringNotEquals", &["a"]).pins_value());
        assert!(!condition("ForAllValues:StringEquals", &["a"]).pins_value());
        assert!(condition("ForAnyValue:StringLike", &["a"]).pins_value());
        assert!(!condition("StringEquals", &[]).pins_value());
    }

    fn keyed(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: operator.into(),
            operator_loc: Loc::default(),
            key: key.into(),
            key_loc: Loc::default(),
            values: values
                .iter()
                .map(|v| Expr::literal(*v, Loc::default()))
                .collect(),
        }
    }

    #[test]
    fn which_conditions_narrow_a_grant() {
        let cases: [(&str, &str, &[&str], bool); 13] = [
            ("StringEquals", "aws:PrincipalTag/team", &["ops"], true),
            ("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"], true),
            (
                "DateLessThan",
                "aws:CurrentTime",
                &["2026-12-31T00:00:00Z"],
                true,
            ),
            ("IpAddress", "aws:SourceIp", &["10.0.0.0/8"], true),
            ("IpAddress", "aws:SourceIp", &["0.0.0.0/0"], false),
            ("IpAddress", "aws:SourceIp", &["10.0.0.0/8", "::/0"], false),
            ("Bool", "aws:SecureTransport", &["true"], false),
            ("StringEqualsIfExists", "aws:RequestTag/a", &["b"], false),
            (
                "NumericLessThanIfExists",
                "aws:MultiFactorAuthAge",
                &["1"],
                false,
            ),
            ("StringNotEquals", "aws:PrincipalAccount", &["1"], false),
            ("ForAllValues:StringEquals", "aws:TagKeys", &["a"], false),
            ("StringLike", "aws:PrincipalTag/team", &["*"], false),
            ("Null", "aws:TokenIssueTime", &["false"], false),
        ];
        for (operator, key, values, expected) in cases {
            assert_eq!(
                keyed(operator, key, values).scopes(),
                expected,
                "{operator} {key} {values:?}"
            );
        }
    }

    #[test]
    fn unreadable_conditions_count_as_scoping() {
        let star = || vec![Expr::literal("*", Loc::default())];
        let mut statement = Statement {
            loc: Loc::default(),
            sid: None,
            effect: Effect::Allow,
            effect_loc: Loc::default(),
            principal: None,
            not_principal: None,
            action: Some(star()),
            not_action: None,
            resource: Some(star()),
            not_resource: None,
            conditions: Conditions::default(),
        };
        assert!(!statement.is_scoped());
        statement.conditions.opaque = true;
        assert!(statement.is_scoped());
    }

    #[test]
    fn any_resource_values() {
        assert!(is_any_resource(&Expr::literal("*", Loc::default())));
        assert!(is_any_resource(&Expr::literal(
            "arn:aws:*:*:*:*",
            Loc::default()
        )));
        assert!(is_any_resource(&Expr::literal(
            "arn:*:*:*:*:*",
            Loc::default()
        )));
        assert!(is_any_resource(&Expr::literal("arn:aws:*", Loc::default())));
        assert!(!is_any_resource(&Expr::literal("?", Loc::default())));
        assert!(!is_any_resource(&Expr::literal(
            "arn:aws:s3:::*",
            Loc::default()
        )));
        assert!(!is_any_resource(&Expr::literal("arn:aws", Loc::default())));
        assert!(!is_any_resource(&Expr::symbol(
            crate::model::Symbol::Param("R".into()),
            Loc::default()
        )));
    }

    #[test]
    fn which_conditions_narrow_resources() {
        let cases: [(&str, &str, &str, bool); 11] = [
            ("StringEquals", "aws:ResourceTag/team", "ops", true),
            ("StringEquals", "AWS:RequestTag/team", "ops", true),
            ("StringLike", "ec2:ResourceTag/env", "dev-*", true),
            (
                "StringEquals",
                "iam:PassedToService",
                "lambda.amazonaws.com",
                true,
            ),
            ("StringEquals", "aws:RequestedRegion", "eu-west-1", false),
            ("StringEquals", "aws:PrincipalTag/team", "ops", false),
            ("StringEquals", "aws:ResourceAccount", "111122223333", false),
            ("StringEqualsIfExists", "aws:ResourceTag/team", "ops", false),
            ("StringNotEquals", "aws:ResourceTag/team", "ops", false),
            ("StringLike", "aws:ResourceTag/team", "*", false),
            ("ForAllValues:StringEquals", "aws:TagKeys", "team", false),
        ];
        for (operator, key, value, expected) in cases {
            assert_eq!(
                Condition::narrows_resources(&keyed(operator, key, &[value])),
                expected,
                "{operator} {key} {value}"
            );
        }
    }
}
