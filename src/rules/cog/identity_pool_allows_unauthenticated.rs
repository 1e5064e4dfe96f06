use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An identity pool that hands out guest credentials.
    pub IdentityPoolAllowsUnauthenticated {
        code: "COG001",
        name: "identity-pool-allows-unauthenticated",
        severity: Low,
        summary: "identity pool allows unauthenticated (guest) identities",
    }
}

impl Rule for IdentityPoolAllowsUnauthenticated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for pool in &cx.model.identity_pools {
            let Some(flag) = pool.allow_unauthenticated.filter(|f| f.value) else {
                continue;
            };
            let finding = cx
                .finding(
                    flag.loc,
                    &pool.resource.name,
                    format!(
                        "identity pool `{}` allows unauthenticated identities: anyone who knows the pool id (it ships in the client app) gets AWS credentials for its unauthenticated role",
                        pool.resource.name
                    ),
                )
                .with_help("set `AllowUnauthenticatedIdentities` (`allow_unauthenticated_identities`) to `false` unless guests need AWS access, and keep the unauthenticated role read-only (see COG003)");
            cx.report(finding);
        }
    }
}
