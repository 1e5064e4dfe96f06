use crate::model::{Condition, PolicyDocument, PrincipalKind, ResourceId};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A resource policy that lets anyone in.
    pub PublicResourcePolicy {
        code: "XAC004",
        name: "public-resource-policy",
        severity: Critical,
        summary: "resource policy allows any principal without a condition that makes it non-public",
    }
}

/// Keys whose fixed value ties the caller to an account, organization, network or source
/// resource, which is what makes a `*` principal non-public.
const NON_PUBLIC_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
    "aws:SourceIp",
    "aws:userid",
    "kms:CallerAccount",
    // Delegating bucket access control to access points of one account.
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
];

/// `aws:SourceIp` open to the whole internet does not restrict anything.
fn makes_non_public(condition: &Condition) -> bool {
    let op = condition.parsed_operator();
    let positive = condition.pins_value() || (op.base == "IpAddress" && !op.if_exists);
    if !positive || !NON_PUBLIC_KEYS.iter().any(|k| condition.key_is(k)) {
        return false;
    }
    !(condition.key_is("aws:SourceIp")
        && condition
            .values
            .iter()
            .any(|v| matches!(v.as_literal(), Some("0.0.0.0/0" | "::/0"))))
}

impl Rule for PublicResourcePolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for policy in &cx.model.resource_policies {
            check_document(cx, &policy.resource, &policy.document);
        }
        for permission in &cx.model.lambda_permissions {
            let scoped = permission.source_account.is_some()
                || permission.source_arn.is_some()
                || permission.principal_org_id.is_some();
            if permission.principal.is_literal("*") && !scoped {
                let finding = cx
                    .finding(
                        permission.principal.loc,
                        &permission.resource.name,
                        format!("Lambda permission `{}` lets any principal invoke the function", permission.resource.name),
                    )
                    .with_help("name the calling service or account in `Principal`, or set `SourceAccount`, `SourceArn` or `PrincipalOrgID`");
                cx.report(finding);
            }
        }
    }
}

fn check_document(cx: &mut RuleContext<'_>, resource: &ResourceId, document: &PolicyDocument) {
    for statement in document.statements.iter().filter(|s| s.is_allow()) {
        if statement.conditions.opaque || statement.conditions.items.iter().any(makes_non_public) {
            continue;
        }
        let public = statement
            .principal
            .iter()
            .flat_map(|p| p.entries.iter())
            .find(|e| {
                matches!(e.kind, PrincipalKind::Everyone | PrincipalKind::Aws)
                    && e.value.is_literal("*")
            });
        if let Some(entry) = public {
            let actions: Vec<String> = statement
                .action
                .iter()
                .flatten()
                .map(crate::model::Expr::display)
                .collect();
            let what = if actions.is_empty() {
                "access".to_owned()
            } else {
                format!("`{}`", actions.join("`, `"))
            };
            let finding = cx
                .finding(
                    entry.value.loc,
                    &resource.name,
                    format!(
                        "the policy of `{}` allows {what} to any principal (`*`) with no condition that restricts the caller's account, organization, network or source",
                        resource.name
                    ),
                )
                .with_help("name the accounts or roles in `Principal`, or add a condition such as `StringEquals: {\"aws:PrincipalOrgID\": \"o-…\"}` or `aws:SourceVpce`")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
