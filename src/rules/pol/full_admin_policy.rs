use crate::rules::shared::{any_resource, identity_allow_statements, is_scoped};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An identity policy that allows every action on every resource.
    pub FullAdminPolicy {
        code: "POL003",
        name: "full-admin-policy",
        severity: High,
        summary: "identity policy allows every action on every resource with no condition",
    }
}

/// `*` and `*:*` both mean every action of every service.
fn is_every_action(action: &str) -> bool {
    matches!(action.trim(), "*" | "*:*")
}

impl Rule for FullAdminPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (document, statement) in identity_allow_statements(cx.model) {
            let Some(action) = statement
                .action
                .iter()
                .flatten()
                .find(|a| a.as_literal().is_some_and(is_every_action))
            else {
                continue;
            };
            let Some(resource) = any_resource(statement) else {
                continue;
            };
            if is_scoped(statement) {
                continue;
            }
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
                    action.loc,
                    &document.resource.name,
                    format!(
                        "{} allows every action (`{}`) on every resource (`{}`) {unconditional}: whoever holds it is a full administrator",
                        document.label(),
                        action.display(),
                        resource.display()
                    ),
                )
                .with_help("list only the actions and resources this principal needs; if it really must be an administrator, attach `AdministratorAccess` explicitly and restrict who can assume it")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
