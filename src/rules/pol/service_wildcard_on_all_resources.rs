use crate::rules::shared::{identity_allows_on_every_resource, service_of_wildcard};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An identity policy that allows every action of a service on every resource.
    pub ServiceWildcardOnAllResources {
        code: "POL004",
        name: "service-wildcard-on-all-resources",
        severity: Medium,
        summary: "identity policy allows `<service>:*` on every resource",
    }
}

/// Services whose every action includes granting any other permission.
fn is_permissions_service(service: &str) -> bool {
    service.eq_ignore_ascii_case("iam")
}

impl Rule for ServiceWildcardOnAllResources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (document, statement, resource) in identity_allows_on_every_resource(cx.model) {
            for action in statement.action.iter().flatten() {
                let Some(service) = action.as_literal().and_then(service_of_wildcard) else {
                    continue;
                };
                let consequence = if is_permissions_service(service) {
                    "including creating and attaching policies, so the holder can grant itself anything"
                } else {
                    "including destructive and permission-changing actions and any the service adds later"
                };
                let finding = cx
                    .finding(
                        action.loc,
                        &document.resource.name,
                        format!(
                            "{} allows every `{service}` action (`{}`) on every resource (`{}`), {consequence}",
                            document.label(),
                            action.display(),
                            resource.display()
                        ),
                    )
                    .with_help(format!(
                        "list the `{service}:` actions this principal uses and the ARNs it uses them on"
                    ))
                    .with_related(statement.loc, "in this statement");
                cx.report(finding);
            }
        }
    }
}
