use crate::model::SuppressionTarget;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule, find_rule};

declare_rule! {
    /// A suppression that cannot take effect: it gives no reason, or names no rule.
    pub SuppressionWithoutReason {
        code: "SUP001",
        name: "suppression-without-reason",
        severity: Low,
        summary: "suppression without a reason, or naming an unknown rule; it suppresses nothing",
    }
}

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for suppression in &cx.model.suppressions {
            let resource = match &suppression.target {
                SuppressionTarget::Resource(name) => name.as_str(),
                SuppressionTarget::Line(_) => "",
            };
            let (message, help) = if find_rule(&suppression.rule).is_none() {
                (
                    format!(
                        "suppression names `{}`, which is no iamlint rule",
                        suppression.rule
                    ),
                    "use a rule code or name from `iamlint rules`",
                )
            } else if suppression.reason.is_none() {
                (
                    format!(
                        "suppression of `{}` gives no reason, so it suppresses nothing",
                        suppression.rule
                    ),
                    "say why the finding is accepted (who reviewed it, when), e.g. `reason: break-glass access, reviewed 2026-10`",
                )
            } else {
                continue;
            };
            let finding = cx
                .finding(suppression.loc, resource, message)
                .with_help(help);
            cx.report(finding);
        }
    }
}
