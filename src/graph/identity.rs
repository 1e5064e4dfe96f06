//! Does a principal's own identity policy allow an action on a target?
//!
//! The caller's half of a cross-account or account-root trust: AWS requires both the target's
//! trust policy and the caller's identity policy to allow `sts:AssumeRole`. This module decides
//! the second from the policies the scan knows (inline, standalone and customer managed
//! policies, group policies of users, and the AWS managed policies that grant everything).

use std::collections::HashMap;

use crate::model::{Effect, Expr, Part, PolicyDocument, Statement, Symbol};
use crate::source::Loc;

/// The target of an action, as a policy `Resource` can name it.
pub struct Target<'a> {
    /// The ARN when it can be written out (account as id or `<own>` placeholder, name as the
    /// IAM name or the logical id).
    pub arn: String,
    /// Logical id or address, for `!GetAtt X.Arn`-style references in the same scope.
    pub resource: &'a str,
    pub scope: usize,
}

/// AWS managed policies that allow `sts:AssumeRole` on every resource.
const ALLOW_ALL_MANAGED: &[&str] = &["AdministratorAccess", "PowerUserAccess"];

pub fn is_allow_all_managed(arn: &Expr) -> bool {
    arn.as_literal()
        .and_then(|a| a.rsplit_once(":policy/"))
        .is_some_and(|(prefix, name)| {
            prefix.ends_with(":iam::aws") && ALLOW_ALL_MANAGED.contains(&name)
        })
}

/// How symbols inside a `Resource` value are read when matching.
pub struct Render<'a> {
    /// What `${AWS::AccountId}` stands for in the policy's file.
    pub own_account: &'a str,
    pub scope: usize,
    /// Exported values by export name, with the scope of the exporting file, so
    /// `!ImportValue` can name a role of another stack.
    pub exports: &'a HashMap<&'a str, (&'a Expr, usize)>,
}

/// Whether the documents allow `action` on `target`, and where. An explicit Deny without
/// conditions that covers the same action and target wins.
pub fn allows<'d>(
    documents: impl Iterator<Item = (&'d PolicyDocument, Render<'d>)> + Clone,
    managed_allow_all: Option<Loc>,
    action: &str,
    target: &Target<'_>,
) -> Option<Loc> {
    let denied = documents.clone().any(|(doc, render)| {
        doc.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.conditions.items.is_empty()
                && !s.conditions.opaque
                && s.covers_action(action)
                && covers_resource(s, target, &render)
        })
    });
    if denied {
        return None;
    }
    managed_allow_all.or_else(|| {
        documents.into_iter().find_map(|(doc, render)| {
            doc.statements
                .iter()
                .find(|s| {
                    s.is_allow() && s.covers_action(action) && covers_resource(s, target, &render)
                })
                .map(|s| s.loc)
        })
    })
}

fn covers_resource(statement: &Statement, target: &Target<'_>, render: &Render<'_>) -> bool {
    if let Some(resources) = &statement.resource {
        return resources.iter().any(|r| names(r, target, render));
    }
    if let Some(not_resources) = &statement.not_resource {
        return !not_resources.iter().any(|r| names(r, target, render));
    }
    false
}

/// Whether one `Resource` value names the target. Symbols other than the account and
/// partition are not guessed at: an unknown value does not match.
fn names(value: &Expr, target: &Target<'_>, render: &Render<'_>) -> bool {
    let is_target_arn = |symbol: &Symbol, scope: usize| {
        matches!(symbol, Symbol::Attribute { resource, attribute }
            if scope == target.scope && resource == target.resource && attribute.eq_ignore_ascii_case("arn"))
    };
    match value.as_symbol() {
        Some(Symbol::Import(name)) => {
            return render
                .exports
                .get(name.as_str())
                .is_some_and(|(exported, scope)| {
                    exported
                        .as_symbol()
                        .is_some_and(|s| is_target_arn(s, *scope))
                });
        }
        Some(symbol @ Symbol::Attribute { .. }) => return is_target_arn(symbol, render.scope),
        _ => {}
    }
    let mut pattern = String::new();
    for part in &value.parts {
        match part {
            Part::Lit(text) => pattern.push_str(text),
            Part::Sym(Symbol::OwnAccount) => pattern.push_str(render.own_account),
            Part::Sym(Symbol::Partition) => pattern.push_str("aws"),
            Part::Sym(_) => return false,
        }
    }
    crate::model::policy::wildcard_match(&pattern, &target.arn)
}
