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

/// Why a principal is admin-equivalent (iam-reference §6.3), and the policy that makes it so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminReason {
    pub why: String,
    pub loc: Loc,
}

/// AWS managed policies that make their holder admin-equivalent: everything, or IAM write
/// on everything (which grants the rest).
const ADMIN_MANAGED: &[&str] = &["AdministratorAccess", "IAMFullAccess"];

/// Admin-equivalence from what the scan knows of a principal's policies: an attached admin
/// managed policy, an unconditional `*` (or `NotAction`) on `*`, or the IAM permissions to
/// give itself any policy (put or attach a policy on itself, or create a role and do so there).
pub fn admin_reason<'d>(
    documents: impl Iterator<Item = (&'d PolicyDocument, Render<'d>)> + Clone,
    managed: &[(String, Loc)],
    self_target: &Target<'_>,
    is_user: bool,
) -> Option<AdminReason> {
    if let Some((name, loc)) = managed
        .iter()
        .find(|(name, _)| ADMIN_MANAGED.contains(&name.as_str()))
    {
        return Some(AdminReason {
            why: format!("the AWS managed policy `{name}` is attached"),
            loc: *loc,
        });
    }
    let everything = documents.clone().find_map(|(doc, _)| {
        doc.statements.iter().find(|s| {
            s.is_allow()
                && s.conditions.items.is_empty()
                && !s.conditions.opaque
                && (s.not_action.is_some()
                    || s.action
                        .iter()
                        .flatten()
                        .any(|a| matches!(a.as_literal(), Some("*" | "*:*"))))
                && s.resource.iter().flatten().any(|r| r.is_literal("*"))
        })
    });
    if let Some(statement) = everything {
        return Some(AdminReason {
            why: "a policy allows every action on every resource".to_owned(),
            loc: statement.loc,
        });
    }
    let (put, attach) = if is_user {
        ("iam:PutUserPolicy", "iam:AttachUserPolicy")
    } else {
        ("iam:PutRolePolicy", "iam:AttachRolePolicy")
    };
    for action in [put, attach] {
        if let Some(loc) = allows(documents.clone(), None, action, self_target) {
            return Some(AdminReason {
                why: format!(
                    "its policy allows `{action}` on itself, so it can grant itself anything"
                ),
                loc,
            });
        }
    }
    let any_role = Target {
        arn: "arn:aws:iam::*:role/*".to_owned(),
        resource: "",
        scope: usize::MAX,
    };
    let create = allows(documents.clone(), None, "iam:CreateRole", &any_role)?;
    allows(documents.clone(), None, "iam:AttachRolePolicy", &any_role)
        .or_else(|| allows(documents, None, "iam:PutRolePolicy", &any_role))?;
    Some(AdminReason {
        why: "its policy allows `iam:CreateRole` and attaching or putting policies on the new role"
            .to_owned(),
        loc: create,
    })
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
