use crate::catalog::Catalog;
use crate::model::Statement;
use crate::rules::shared::{
    identity_allows_on_every_resource, is_every_action, not_action_grants_all_iam, span_of,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// An identity policy that allows every action on every resource.
    pub FullAdminPolicy {
        code: "POL003",
        name: "full-admin-policy",
        severity: High,
        summary: "identity policy allows every action on every resource with no condition",
    }
}

/// What makes a statement grant everything, and where it is written.
fn every_action_grant(catalog: &Catalog<'_>, statement: &Statement) -> Option<(Loc, String)> {
    if let Some(action) = statement
        .action
        .iter()
        .flatten()
        .find(|a| a.as_literal().is_some_and(is_every_action))
    {
        return Some((
            action.loc,
            format!("allows every action (`{}`)", action.display()),
        ));
    }
    let not_action = statement.not_action.as_ref()?;
    if !not_action_grants_all_iam(catalog, statement) {
        return None;
    }
    let except: Vec<String> = not_action.iter().map(|a| a.display()).collect();
    Some((
        span_of(not_action).unwrap_or(statement.loc),
        format!(
            "allows every action except `{}` (`NotAction`, which leaves all of IAM, enough to grant itself the rest)",
            except.join("`, `")
        ),
    ))
}

impl Rule for FullAdminPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let catalog = Catalog::get();
        for (document, statement, resource) in identity_allows_on_every_resource(cx.model) {
            if statement.is_scoped() {
                continue;
            }
            let Some((loc, grant)) = every_action_grant(catalog, statement) else {
                continue;
            };
            let unconditional = if statement.conditions.items.is_empty() {
                "with no condition".to_owned()
            } else {
                let operators: Vec<String> = statement
                    .conditions
                    .items
                    .iter()
                    .map(|c| format!("`{} {}`", c.operator, c.key))
                    .collect();
                format!(
                    "with conditions that do not narrow who may use it ({})",
                    operators.join(", ")
                )
            };
            let finding = cx
                .finding(
                    loc,
                    &document.resource.name,
                    format!(
                        "{} {grant} on every resource (`{}`) {unconditional}: whoever holds it is a full administrator",
                        document.label(),
                        resource.display()
                    ),
                )
                .with_help("list only the actions and resources this principal needs; if it really must be an administrator, attach `AdministratorAccess` explicitly and restrict who can assume it")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
