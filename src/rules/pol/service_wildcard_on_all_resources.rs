use crate::rules::shared::{any_resource, identity_allow_statements};
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

/// The service of a `<service>:*` pattern. `*` and `*:*` are POL003's; a pattern with a
/// wildcard in the service prefix is not valid IAM (POL008's concern).
fn service_of_wildcard(action: &str) -> Option<&str> {
    let (service, name) = action.trim().split_once(':')?;
    let valid_service = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    (valid_service && !name.is_empty() && name.chars().all(|c| c == '*')).then_some(service)
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
        for (document, statement) in identity_allow_statements(cx.model) {
            let Some(resource) = any_resource(statement) else {
                continue;
            };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_wildcards() {
        assert_eq!(service_of_wildcard("s3:*"), Some("s3"));
        assert_eq!(service_of_wildcard("EC2:**"), Some("EC2"));
        assert_eq!(service_of_wildcard("*"), None);
        assert_eq!(service_of_wildcard("*:*"), None);
        assert_eq!(service_of_wildcard("s3:Get*"), None);
        assert_eq!(service_of_wildcard("s*:*"), None);
    }
}
