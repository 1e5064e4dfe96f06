use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A key written twice in one mapping: the earlier value is silently dropped.
    pub DuplicateKey {
        code: "TPL001",
        name: "duplicate-key",
        severity: Low,
        summary: "a key appears twice in one mapping; the earlier value is silently replaced",
    }
}

impl Rule for DuplicateKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for duplicate in &cx.model.duplicate_keys {
            let finding = cx
                .finding(duplicate.loc, "", duplicate.message.clone())
                .with_help("remove one of the two keys; a reviewer reading the first value is not reading what is deployed");
            cx.report(finding);
        }
    }
}
