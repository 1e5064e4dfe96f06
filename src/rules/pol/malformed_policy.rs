use crate::model::{Condition, Effect, Expr, Part, PolicyKind, Statement, Symbol};
use crate::rules::shared::{DocumentRef, policy_documents, policy_variable};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// A policy document AWS would reject, or would read differently from what it says.
    pub MalformedPolicy {
        code: "POL009",
        name: "malformed-policy",
        severity: High,
        summary: "policy document AWS would reject or misread",
    }
}

const CURRENT_VERSION: &str = "2012-10-17";
const OLD_VERSION: &str = "2008-10-17";

/// Condition operators as AWS spells them (IAM User Guide, "Condition operators"). Each may
/// take a `ForAnyValue:`/`ForAllValues:` qualifier and, except `Null`, an `IfExists` suffix.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];
const SET_QUALIFIERS: &[&str] = &["ForAnyValue", "ForAllValues"];

/// One thing wrong with a document, before it becomes a finding.
struct Problem {
    loc: Loc,
    message: String,
    help: String,
}

impl Problem {
    fn new(loc: Loc, message: String, help: impl Into<String>) -> Self {
        Problem {
            loc,
            message,
            help: help.into(),
        }
    }
}

/// Why an operator is not one AWS knows, or `None` when it is valid. Operator names are
/// compared as written; a spelling that differs only in case is given the benefit of the doubt.
fn operator_problem(operator: &str) -> Option<String> {
    let (qualifier, rest) = match operator.split_once(':') {
        Some((q, rest)) => (Some(q), rest),
        None => (None, operator),
    };
    if let Some(q) = qualifier
        && !SET_QUALIFIERS.iter().any(|k| k.eq_ignore_ascii_case(q))
    {
        return Some(format!(
            "`{q}:` is not a set qualifier (`ForAnyValue:` or `ForAllValues:`)"
        ));
    }
    let suffix = "IfExists".len();
    let (base, if_exists) = match rest.len().checked_sub(suffix).and_then(|end| {
        rest.get(end..)
            .filter(|tail| tail.eq_ignore_ascii_case("IfExists"))
            .and_then(|_| rest.get(..end))
    }) {
        Some(base) => (base, true),
        None => (rest, false),
    };
    if base.eq_ignore_ascii_case("Null") && if_exists {
        return Some("`Null` takes no `IfExists` suffix".to_owned());
    }
    if OPERATORS.iter().any(|op| op.eq_ignore_ascii_case(base)) {
        return None;
    }
    let hint = closest_operator(base).map_or_else(String::new, |op| format!(" (`{op}`?)"));
    Some(format!("`{base}` is not a condition operator{hint}"))
}

/// The known operator closest to a misspelt one, when the spelling is near enough.
fn closest_operator(base: &str) -> Option<&'static str> {
    OPERATORS
        .iter()
        .map(|op| {
            (
                edit_distance(&op.to_ascii_lowercase(), &base.to_ascii_lowercase()),
                *op,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, op)| op)
}

/// Levenshtein distance, for spelling suggestions on short operator names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = substitute.min(above + 1).min(left + 1);
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// An ARN-looking `Resource` value with fewer than the six fields
/// `arn:partition:service:region:account:resource` every ARN has. A `*` that ends the last
/// field matches across the remaining colons (`arn:aws:logs:*` is every CloudWatch Logs
/// resource), so such a value is complete. Values built from template parameters or other
/// resources are not judged: a symbol may itself contain colons.
fn is_malformed_arn(value: &Expr) -> bool {
    let pseudo_only = value.parts.iter().all(|p| match p {
        Part::Lit(_) => true,
        Part::Sym(s) => matches!(
            s,
            Symbol::OwnAccount | Symbol::Partition | Symbol::Region | Symbol::UrlSuffix
        ),
    });
    let starts_as_arn =
        matches!(value.parts.first(), Some(Part::Lit(t)) if t.trim_start().starts_with("arn:"));
    let ends_open = matches!(value.parts.last(), Some(Part::Lit(t)) if t.trim_end().ends_with('*'));
    pseudo_only && starts_as_arn && !ends_open && value.split(':').len() < 6
}

fn version_problems(document: &DocumentRef<'_>, problems: &mut Vec<Problem>) {
    let doc = document.document;
    let version = doc.version.as_ref();
    if let Some(v) = version
        && let Some(text) = v.as_literal()
        && text.trim() != CURRENT_VERSION
        && text.trim() != OLD_VERSION
    {
        problems.push(Problem::new(
            v.loc,
            format!(
                "{} has `Version: {text}`: the only policy language versions are `{CURRENT_VERSION}` and `{OLD_VERSION}`, so AWS rejects it",
                document.label()
            ),
            format!("set `Version: \"{CURRENT_VERSION}\"`"),
        ));
        return;
    }
    let old = match version {
        Some(v) => v.as_literal().map(str::trim) == Some(OLD_VERSION),
        // Without a `Version`, AWS applies the old language. That only changes what the policy
        // means when it uses policy variables, and a document we could not read whole may
        // have its `Version` where we did not look.
        None => !doc.opaque,
    };
    if !old {
        return;
    }
    let with_variable = doc.statements.iter().find_map(|s| {
        s.resource
            .iter()
            .chain(&s.not_resource)
            .flatten()
            .chain(s.conditions.items.iter().flat_map(|c| &c.values))
            .find_map(|v| policy_variable(v).map(|var| (v, var)))
    });
    let Some((value, variable)) = with_variable else {
        return;
    };
    let why = match version {
        Some(_) => format!("`Version: {OLD_VERSION}`"),
        None => format!("no `Version`, so AWS applies `{OLD_VERSION}`,"),
    };
    problems.push(Problem::new(
        value.loc,
        format!(
            "`{}` uses the policy variable `{variable}`, but {} has {why} under which policy variables are not substituted: it matches the literal text `{variable}`",
            value.display(),
            document.label()
        ),
        format!("set `Version: \"{CURRENT_VERSION}\"` on the document"),
    ));
}

fn statement_problems(
    document: &DocumentRef<'_>,
    statement: &Statement,
    problems: &mut Vec<Problem>,
) {
    let doc = document.document;
    let label = document.label();
    // Parts missing from a document we could not read whole may be in the part we did not
    // read; only what is present and wrong is reported there.
    let complete = !doc.opaque;
    match statement.effect {
        Effect::Invalid if statement.effect_loc == statement.loc => {
            if complete {
                problems.push(Problem::new(
                    statement.loc,
                    format!("a statement of {label} has no `Effect`: AWS rejects it"),
                    "add `Effect: Allow` or `Effect: Deny`",
                ));
            }
        }
        Effect::Invalid => problems.push(Problem::new(
            statement.effect_loc,
            format!(
                "the `Effect` of a statement of {label} is neither `Allow` nor `Deny` (the values are case-sensitive): AWS rejects it"
            ),
            "write `Allow` or `Deny` exactly",
        )),
        Effect::Allow | Effect::Deny => {}
    }
    match (&statement.action, &statement.not_action) {
        (None, None) if complete => problems.push(Problem::new(
            statement.loc,
            format!("a statement of {label} has neither `Action` nor `NotAction`: AWS rejects it"),
            "add the `Action` list the statement is about",
        )),
        (Some(_), Some(not_actions)) => problems.push(Problem::new(
            not_actions.first().map_or(statement.loc, |a| a.loc),
            format!(
                "a statement of {label} has both `Action` and `NotAction`: AWS accepts only one of them"
            ),
            "keep `Action` and drop `NotAction`, or split the statement in two",
        )),
        _ => {}
    }
    let principal = statement
        .principal
        .as_ref()
        .or(statement.not_principal.as_ref());
    match doc.kind {
        PolicyKind::Identity => {
            if let Some(principal) = principal {
                problems.push(Problem::new(
                    principal.loc,
                    format!(
                        "{label} is an identity policy but names a principal: identity policies apply to the principal they are attached to, and AWS rejects `Principal`/`NotPrincipal` in them"
                    ),
                    "remove `Principal`; to grant another principal access, use a resource policy or a role it can assume",
                ));
            }
            match (&statement.resource, &statement.not_resource) {
                (None, None) if complete => problems.push(Problem::new(
                    statement.loc,
                    format!(
                        "a statement of {label} has neither `Resource` nor `NotResource`: AWS rejects identity policy statements without one"
                    ),
                    "add `Resource` with the ARNs the actions apply to",
                )),
                (Some(_), Some(not_resources)) => problems.push(Problem::new(
                    not_resources.first().map_or(statement.loc, |r| r.loc),
                    format!(
                        "a statement of {label} has both `Resource` and `NotResource`: AWS accepts only one of them"
                    ),
                    "keep `Resource` and drop `NotResource`, or split the statement in two",
                )),
                _ => {}
            }
        }
        PolicyKind::Trust | PolicyKind::Resource => {
            if let (PolicyKind::Trust, Some(not_principal)) = (doc.kind, &statement.not_principal) {
                problems.push(Problem::new(
                    not_principal.loc,
                    format!("{label} uses `NotPrincipal`: AWS rejects it in role trust policies"),
                    "name the principals that may assume the role in `Principal`",
                ));
            }
            if principal.is_none() && complete {
                problems.push(Problem::new(
                    statement.loc,
                    format!(
                        "a statement of {label} names no `Principal`: AWS rejects {} statements without one",
                        if doc.kind == PolicyKind::Trust { "trust policy" } else { "resource policy" }
                    ),
                    "add a `Principal` naming who the statement applies to",
                ));
            }
        }
    }
    for condition in &statement.conditions.items {
        operator_finding(condition, &label, problems);
    }
    for value in statement
        .resource
        .iter()
        .chain(&statement.not_resource)
        .flatten()
    {
        if is_malformed_arn(value) {
            problems.push(Problem::new(
                value.loc,
                format!(
                    "`{}` in {label} is not a valid ARN: an ARN has six colon-separated fields (`arn:partition:service:region:account:resource`)",
                    value.display()
                ),
                "write the full ARN, leaving region or account empty where the service has none (`arn:aws:s3:::bucket/*`)",
            ));
        }
    }
}

fn operator_finding(condition: &Condition, label: &str, problems: &mut Vec<Problem>) {
    let Some(why) = operator_problem(&condition.operator) else {
        return;
    };
    problems.push(Problem::new(
        condition.operator_loc,
        format!(
            "unknown condition operator `{}` in {label}: {why}, so AWS rejects the policy",
            condition.operator
        ),
        "use one of the operators of the IAM User Guide (`StringEquals`, `ArnLike`, `Bool`, …), optionally with `ForAnyValue:`/`ForAllValues:` and `IfExists`",
    ));
}

impl Rule for MalformedPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for document in policy_documents(cx.model) {
            let mut problems = Vec::new();
            version_problems(&document, &mut problems);
            for statement in &document.document.statements {
                statement_problems(&document, statement, &mut problems);
            }
            for problem in problems {
                let finding = cx
                    .finding(problem.loc, &document.resource.name, problem.message)
                    .with_help(problem.help);
                cx.report(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        for ok in [
            "StringEquals",
            "ForAnyValue:StringLike",
            "ForAllValues:StringEqualsIfExists",
            "ArnLikeIfExists",
            "Null",
            "NumericLessThanEquals",
            "BinaryEquals",
            "stringequals",
        ] {
            assert_eq!(operator_problem(ok), None, "{ok}");
        }
        assert!(
            operator_problem("StringEqual")
                .unwrap()
                .contains("`StringEquals`?")
        );
        assert!(operator_problem("NullIfExists").is_some());
        assert!(operator_problem("ForSomeValues:StringEquals").is_some());
        assert!(operator_problem("StringMatches").is_some());
        assert!(operator_problem("ForAnyValue:StringEqualsIfExist").is_some());
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn arns() {
        let lit = |t: &str| Expr::literal(t, Loc::default());
        assert!(is_malformed_arn(&lit("arn:aws:s3::my-bucket")));
        assert!(!is_malformed_arn(&lit("arn:aws:s3:::my-bucket/*")));
        assert!(!is_malformed_arn(&lit("*")));
        assert!(!is_malformed_arn(&lit("my-bucket")));
        assert!(!is_malformed_arn(&lit("arn:aws:logs:*")));
        assert!(!is_malformed_arn(&lit("arn:aws:sns:*:*")));
        let param = Expr {
            parts: vec![
                Part::Lit("arn:".into()),
                Part::Sym(Symbol::Param("Rest".into())),
            ],
            loc: Loc::default(),
        };
        assert!(!is_malformed_arn(&param));
    }
}
