use crate::rules::shared::{
    COGNITO, Federated, federated_provider, principal_label, web_identity_trust_entries,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// Trust to a web-identity issuer that does not pin the token's audience.
    pub WebIdentityTrustWithoutAudience {
        code: "WIF001",
        name: "web-identity-trust-without-audience",
        severity: Critical,
        summary: "web-identity trust without a condition pinning the provider's audience",
    }
}

impl Rule for WebIdentityTrustWithoutAudience {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let model = cx.model;
        for (role, statement, entry) in web_identity_trust_entries(model) {
            let provider = federated_provider(cx, &entry.value);
            let pinned = match provider.audience_key() {
                Some(key) => statement.conditions.pins(&key),
                None if provider == Federated::UnknownWebIdentity => {
                    statement.conditions.items.iter().any(|c| {
                        c.pins_value() && (c.key.ends_with(":aud") || c.key.ends_with(":app_id"))
                    })
                }
                // SAML (WIF004) or not a web-identity issuer.
                None => true,
            };
            if pinned {
                continue;
            }
            let issuer = provider
                .host()
                .map_or_else(|| entry.value.display(), str::to_owned);
            let key = provider
                .audience_key()
                .unwrap_or_else(|| "<provider>:aud".to_owned());
            let consequence = if provider.host() == Some(COGNITO) {
                "any Cognito identity pool, in any AWS account, can obtain credentials for it"
            } else {
                "tokens issued by this provider to any client can assume it"
            };
            let finding = cx
                .finding(
                    entry.value.loc,
                    &role.resource.name,
                    format!(
                        "role `{}` trusts web identities from `{issuer}` without a `{key}` condition: {consequence}",
                        principal_label(role)
                    ),
                )
                .with_help(format!(
                    "add `StringEquals: {{\"{key}\": \"<your {}>\"}}` to this trust statement",
                    if provider.host() == Some(COGNITO) { "identity pool id" } else { "client id" }
                ))
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
