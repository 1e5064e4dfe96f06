use crate::rules::shared::allow_statements;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// `Effect: Allow` together with `NotPrincipal`.
    pub AllowNotPrincipal {
        code: "POL006",
        name: "allow-not-principal",
        severity: High,
        summary: "`Allow` with `NotPrincipal` grants everyone not listed",
    }
}

impl Rule for AllowNotPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (document, statement) in allow_statements(cx.model) {
            let Some(not_principal) = &statement.not_principal else {
                continue;
            };
            let listed: Vec<String> = not_principal
                .entries
                .iter()
                .map(|e| format!("`{}`", e.value.display()))
                .collect();
            let excluded = if listed.is_empty() {
                "nobody".to_owned()
            } else {
                listed.join(", ")
            };
            let finding = cx
                .finding(
                    not_principal.loc,
                    &document.resource.name,
                    format!(
                        "{} allows every principal except {excluded}: `NotPrincipal` with `Allow` grants access to everyone else, anonymous callers included (AWS supports `NotPrincipal` only with `Deny`)",
                        document.label()
                    ),
                )
                .with_help("name the allowed principals in `Principal`; to exclude principals from a grant, use `Deny` with a condition on `aws:PrincipalArn` (`ArnNotEquals`)")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
