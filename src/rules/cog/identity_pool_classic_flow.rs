use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An identity pool with the basic (classic) authentication flow enabled.
    pub IdentityPoolClassicFlow {
        code: "COG002",
        name: "identity-pool-classic-flow",
        severity: Medium,
        summary: "identity pool allows the classic (basic) authentication flow",
    }
}

impl Rule for IdentityPoolClassicFlow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for pool in &cx.model.identity_pools {
            let Some(flag) = pool.allow_classic_flow.filter(|f| f.value) else {
                continue;
            };
            let finding = cx
                .finding(
                    flag.loc,
                    &pool.resource.name,
                    format!(
                        "identity pool `{}` allows the classic flow: a client can exchange the pool's token for any role whose trust admits the pool, bypassing the roles and role mappings the pool assigns",
                        pool.resource.name
                    ),
                )
                .with_help("set `AllowClassicFlow` (`allow_classic_flow`) to `false`, the default, and use the enhanced flow (`GetCredentialsForIdentity`)");
            cx.report(finding);
        }
    }
}
