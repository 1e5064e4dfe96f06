use crate::finding::Severity;
use crate::model::{Condition, PrincipalKind, Statement};
use crate::rules::shared::{
    ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY, principal_label,
    trust_allow_statements,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A wildcard principal on a federated assume action.
    pub WildcardFederatedPrincipal {
        code: "WIF005",
        name: "wildcard-federated-principal",
        severity: Critical,
        summary: "`Principal: \"*\"` or `Federated: \"*\"` may assume the role with a web identity or SAML assertion",
    }
}

/// A condition that pins a claim of the token or assertion itself (`<issuer>:aud`,
/// `<issuer>:sub`, `SAML:aud`…). Such keys exist only in requests carrying that issuer's
/// tokens, so a positive test on one confines the wildcard to that issuer.
fn issuer_claim_pin(statement: &Statement) -> Option<&Condition> {
    statement.conditions.items.iter().find(|c| {
        c.pins_value()
            && c.key.rsplit_once(':').is_some_and(|(issuer, _)| {
                issuer.eq_ignore_ascii_case("saml") || issuer.contains('.')
            })
    })
}

/// Who can present a credential for the allowed actions when no provider is named.
fn anyone(web_identity: bool, saml: bool) -> &'static str {
    match (web_identity, saml) {
        (true, true) => {
            "a token from any web-identity provider (Google, Facebook, Login with Amazon, Cognito identity pools of any account, every OIDC provider registered in the account) or an assertion from any SAML provider registered in the account"
        }
        (true, false) => {
            "a token from any web-identity provider (Google, Facebook, Login with Amazon, Cognito identity pools of any account, every OIDC provider registered in the account)"
        }
        _ => "an assertion from any SAML provider registered in the account",
    }
}

impl Rule for WildcardFederatedPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (role, statement) in trust_allow_statements(cx.model) {
            if statement.conditions.opaque {
                continue;
            }
            let web_identity = statement.covers_action(ASSUME_ROLE_WITH_WEB_IDENTITY);
            let saml = statement.covers_action(ASSUME_ROLE_WITH_SAML);
            if !web_identity && !saml {
                continue;
            }
            let actions = match (web_identity, saml) {
                (true, true) => "`sts:AssumeRoleWithWebIdentity` and `sts:AssumeRoleWithSAML`",
                (true, false) => "`sts:AssumeRoleWithWebIdentity`",
                _ => "`sts:AssumeRoleWithSAML`",
            };
            let wildcards = statement
                .principal
                .iter()
                .flat_map(|p| p.entries.iter())
                .filter(|e| {
                    e.value.is_literal("*")
                        && match e.kind {
                            PrincipalKind::Federated => true,
                            // XAC002 reports `Principal: "*"` when the statement also allows
                            // `sts:AssumeRole`, and its account conditions are keys a federated
                            // request does not carry, so they shut federated callers out too.
                            PrincipalKind::Everyone => !statement.covers_action(ASSUME_ROLE),
                            _ => false,
                        }
                });
            for entry in wildcards {
                let written = if entry.kind == PrincipalKind::Everyone {
                    "Principal: \"*\""
                } else {
                    "Federated: \"*\""
                };
                let role_name = principal_label(role);
                let finding = match issuer_claim_pin(statement) {
                    Some(pin) => cx
                        .finding(
                            entry.value.loc,
                            &role.resource.name,
                            format!(
                                "role `{role_name}` allows {actions} to `{written}`: only the condition on `{}` confines it to one identity provider",
                                pin.key
                            ),
                        )
                        .with_severity(Severity::Medium),
                    None => cx.finding(
                        entry.value.loc,
                        &role.resource.name,
                        format!(
                            "role `{role_name}` allows {actions} to `{written}`: {} can assume it",
                            anyone(web_identity, saml)
                        ),
                    ),
                };
                cx.report(
                    finding
                        .with_help("name the provider in `Federated` (an OIDC/SAML provider ARN or `cognito-identity.amazonaws.com`) and pin its audience and subject")
                        .with_related(statement.loc, "in this statement"),
                );
            }
        }
    }
}
