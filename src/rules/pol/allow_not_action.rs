use crate::model::PolicyKind;
use crate::rules::shared::{allow_statements, span_of};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// `Effect: Allow` together with `NotAction`.
    pub AllowNotAction {
        code: "POL005",
        name: "allow-not-action",
        severity: Medium,
        summary: "`Allow` with `NotAction` grants every action not listed, in every service",
    }
}

impl Rule for AllowNotAction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (document, statement) in allow_statements(cx.model) {
            let Some(not_actions) = &statement.not_action else {
                continue;
            };
            let listed: Vec<String> = not_actions
                .iter()
                .map(|a| format!("`{}`", a.display()))
                .collect();
            let excluded = if listed.is_empty() {
                "nothing".to_owned()
            } else {
                listed.join(", ")
            };
            // An identity policy reaches every service; a resource or trust policy only the
            // resource it is attached to.
            let reach = if document.document.kind == PolicyKind::Identity {
                "all other actions of every AWS service"
            } else {
                "all other actions on this resource"
            };
            let finding = cx
                .finding(
                    span_of(not_actions).unwrap_or(statement.loc),
                    &document.resource.name,
                    format!(
                        "{} allows every action except {excluded}: `NotAction` with `Allow` grants {reach}, including actions AWS adds later",
                        document.label()
                    ),
                )
                .with_help("list the allowed actions in `Action` instead; keep `NotAction` for `Deny` guard rails")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
