use crate::catalog::{Catalog, PatternStatus};
use crate::rules::shared::policy_documents;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An action, or action pattern, that names nothing AWS knows.
    pub UnknownAction {
        code: "POL008",
        name: "unknown-action",
        severity: Medium,
        summary: "action or action pattern that matches no action of the IAM action catalog",
    }
}

impl Rule for UnknownAction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let catalog = Catalog::get();
        for document in policy_documents(cx.model) {
            for statement in &document.document.statements {
                let values = statement
                    .action
                    .iter()
                    .chain(statement.not_action.iter())
                    .flatten();
                // Symbolic actions (`!Ref Param`) cannot be checked; only literal text is.
                for (value, pattern) in values.filter_map(|v| v.as_literal().map(|p| (v, p))) {
                    let why = match catalog.expand(pattern).status {
                        PatternStatus::Known => continue,
                        PatternStatus::NoMatch => "the pattern matches no action of its service",
                        PatternStatus::UnknownAction => {
                            "the service has no such action (a typo, or an action newer than the catalog)"
                        }
                        PatternStatus::UnknownService => "no AWS service has this prefix",
                        PatternStatus::Malformed => "an action is written `service:Action`",
                    };
                    let finding = cx
                        .finding(
                            value.loc,
                            &document.resource.name,
                            format!("`{pattern}` in the {}: {why}, so it grants or denies nothing", document.label()),
                        )
                        .with_help("check the spelling against the AWS Service Authorization Reference, or run `iamlint explain POL008`");
                    cx.report(finding);
                }
            }
        }
    }
}
