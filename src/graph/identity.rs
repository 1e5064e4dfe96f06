//! Does a principal's own identity policy allow an action on a target?
//!
//! The caller's half of a cross-account or account-root trust: AWS requires both the target's
//! trust policy and the caller's identity policy to allow `sts:AssumeRole`. This module decides
//! the second from the policies the scan knows (inline, standalone and customer managed
//! policies, group policies of users, and the AWS managed policies that grant everything).

use std::collections::HashMap;

use super::permissions::{Effective, Expander, Permissions, Reach};
use crate::catalog::{ActionId, Catalog};
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
    pub kind: AdminKind,
    pub why: String,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminKind {
    /// Every action on every resource (`*`, `AdministratorAccess`).
    Everything,
    /// May put or attach any policy on itself.
    SelfGrant,
    /// May create a role and give it any policy.
    CreateAndGrant,
}

/// Admin-equivalence from a principal's effective permissions: every action on every
/// resource, the IAM permissions to give itself any policy (on every principal, or on its own
/// ARN as `on_self` decides), or to create a role and give the new role any policy.
pub fn admin_reason(
    permissions: &Permissions,
    effective: &Effective,
    on_self: impl Fn(ActionId) -> Option<Loc>,
    is_user: bool,
) -> Option<AdminReason> {
    let catalog = Catalog::get();
    let unrestricted = |action: &str| {
        let id = catalog.action_id(action)?;
        effective
            .unrestricted
            .contains(id)
            .then(|| permissions.grant_of(id, Reach::Unrestricted))
            .flatten()
    };
    if catalog.action_count() > 0 && effective.unrestricted.len() == catalog.action_count() {
        let grant = permissions
            .grants
            .iter()
            .filter(|g| g.reach == Reach::Unrestricted)
            .max_by_key(|g| g.actions.len())?;
        return Some(AdminReason {
            kind: AdminKind::Everything,
            why: format!("`{}` allows every action on every resource", grant.policy),
            loc: grant.loc,
        });
    }
    let (put, attach, noun) = if is_user {
        ("iam:PutUserPolicy", "iam:AttachUserPolicy", "user")
    } else {
        ("iam:PutRolePolicy", "iam:AttachRolePolicy", "role")
    };
    for action in [put, attach] {
        if let Some(grant) = unrestricted(action) {
            return Some(AdminReason {
                kind: AdminKind::SelfGrant,
                why: format!(
                    "`{}` allows `{action}` on every {noun}, itself included, so it can grant itself anything",
                    grant.policy
                ),
                loc: grant.loc,
            });
        }
        let on_own_arn = catalog
            .action_id(action)
            .filter(|id| effective.allows_unconditionally(*id))
            .and_then(&on_self);
        if let Some(loc) = on_own_arn {
            return Some(AdminReason {
                kind: AdminKind::SelfGrant,
                why: format!(
                    "its policy allows `{action}` on itself, so it can grant itself anything"
                ),
                loc,
            });
        }
    }
    let create = unrestricted("iam:CreateRole")?;
    unrestricted("iam:AttachRolePolicy").or_else(|| unrestricted("iam:PutRolePolicy"))?;
    Some(AdminReason {
        kind: AdminKind::CreateAndGrant,
        why: format!(
            "`{}` allows `iam:CreateRole` and attaching or putting policies on the new role",
            create.policy
        ),
        loc: create.loc,
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
    if denied(documents.clone(), |s| s.covers_action(action), target) {
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

/// Whether an unconditional `Deny` covers the action (as `covers` decides) on `target`.
fn denied<'d>(
    mut documents: impl Iterator<Item = (&'d PolicyDocument, Render<'d>)>,
    covers: impl Fn(&Statement) -> bool,
    target: &Target<'_>,
) -> bool {
    documents.any(|(doc, render)| {
        doc.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.conditions.items.is_empty()
                && !s.conditions.opaque
                && covers(s)
                && covers_resource(s, target, &render)
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

/// Whether the documents allow the catalog action `action` on `target` with no scoping
/// condition, and where; an unconditional `Deny` covering both wins. The catalog decides what
/// an `Action`/`NotAction` covers, so `iam:*Policy*` and `NotAction` grants count.
pub fn allows_action<'d>(
    documents: impl Iterator<Item = (&'d PolicyDocument, Render<'d>)> + Clone,
    expander: &Expander,
    action: ActionId,
    target: &Target<'_>,
) -> Option<Loc> {
    if denied(
        documents.clone(),
        |s| expander.actions(s).contains(action),
        target,
    ) {
        return None;
    }
    documents.into_iter().find_map(|(doc, render)| {
        doc.statements
            .iter()
            .find(|s| {
                s.is_allow()
                    && !s.is_scoped()
                    && expander.actions(s).contains(action)
                    && covers_resource(s, target, &render)
            })
            .map(|s| s.loc)
    })
}
