use crate::model::PrincipalKind;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A service principal granted access to a resource without pinning which account's or
    /// which resource's use of the service it is (confused deputy).
    pub ServicePrincipalWithoutSource {
        code: "XAC006",
        name: "service-principal-without-source",
        severity: Medium,
        summary: "service principal granted access without aws:SourceAccount or aws:SourceArn",
    }
}

/// Keys that tie a service's request to the account or resource it acts for. CloudWatch Logs
/// and other KMS callers are scoped by their encryption context instead.
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
];

fn is_service(name: &str) -> bool {
    name.ends_with(".amazonaws.com") || name.ends_with(".amazonaws.com.cn")
}

impl Rule for ServicePrincipalWithoutSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for policy in &cx.model.resource_policies {
            for statement in policy.document.statements.iter().filter(|s| s.is_allow()) {
                let scoped = statement.conditions.opaque
                    || statement.conditions.pins_any(SOURCE_KEYS)
                    || statement.conditions.items.iter().any(|c| {
                        c.pins_value()
                            && c.key
                                .to_ascii_lowercase()
                                .starts_with("kms:encryptioncontext:")
                    });
                if scoped {
                    continue;
                }
                let services = statement
                    .principal
                    .iter()
                    .flat_map(|p| p.entries.iter())
                    .filter(|e| {
                        e.kind == PrincipalKind::Service
                            && e.value.as_literal().is_some_and(is_service)
                    });
                for entry in services {
                    let finding = cx
                        .finding(
                            entry.value.loc,
                            &policy.resource.name,
                            format!(
                                "the policy of `{}` grants `{}` access without `aws:SourceAccount` or `aws:SourceArn`: the service acting for any other account can use it too",
                                policy.resource.name,
                                entry.value.display()
                            ),
                        )
                        .with_help("add `StringEquals: {\"aws:SourceAccount\": \"${AWS::AccountId}\"}` or `ArnLike: {\"aws:SourceArn\": \"<source resource ARN>\"}`")
                        .with_related(statement.loc, "in this statement");
                    cx.report(finding);
                }
            }
        }
        for permission in &cx.model.lambda_permissions {
            let Some(service) = permission.principal.as_literal().filter(|p| is_service(p)) else {
                continue;
            };
            if permission.source_account.is_some() || permission.source_arn.is_some() {
                continue;
            }
            let finding = cx
                .finding(
                    permission.principal.loc,
                    &permission.resource.name,
                    format!(
                        "Lambda permission `{}` lets `{service}` invoke the function without `SourceAccount` or `SourceArn`: the service acting for any account can invoke it",
                        permission.resource.name
                    ),
                )
                .with_help("set the permission's source account (`SourceAccount` / `source_account`) to your account id and, where the source has an ARN, its source ARN (`SourceArn` / `source_arn`)");
            cx.report(finding);
        }
    }
}
