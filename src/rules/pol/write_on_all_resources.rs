use crate::catalog::{ActionSet, Catalog};
use crate::model::{Condition, Expr, Statement};
use crate::rules::shared::{
    action_examples, granted_actions, identity_allows_on_every_resource, is_every_action,
    not_action_grants_all_iam, service_of_wildcard, thousands,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// Write, tagging or permissions-management actions allowed on every resource.
    pub WriteOnAllResources {
        code: "POL011",
        name: "write-on-all-resources",
        severity: Low,
        summary: "identity policy allows write actions that could name their resources on every resource",
    }
}

/// Writes AWS's own execution-role policies grant on `*` because the service, not the holder,
/// picks the resource: the append-only telemetry every workload has
/// (`AWSLambdaBasicExecutionRole`, `CloudWatchAgentServerPolicy`: log group names are generated
/// per function or instance, and the holder can only add data) and the network interfaces
/// Lambda creates in a VPC (`AWSLambdaVPCAccessExecutionRole`: their ids are not known before
/// they exist). The catalog lets them name resources, but reporting them is the noise users of
/// other tools complain about most, next to actions that take no resource at all.
const EXECUTION_ROLE_WRITES: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

/// `Action` values that POL003 (`*` with no scoping condition) and POL004 (`<service>:*`)
/// report: what they reach is left out here, so one grant is not reported twice.
fn reported_elsewhere(value: &Expr, scoped: bool) -> bool {
    value.as_literal().is_some_and(|text| {
        (is_every_action(text) && !scoped) || service_of_wildcard(text).is_some()
    })
}

impl Rule for WriteOnAllResources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let catalog = Catalog::get();
        let mut left_out = catalog.expand_action(EXECUTION_ROLE_WRITES);
        // `iam:PassRole` on every resource is POL007's (high) finding.
        left_out.union_with(&catalog.expand("iam:PassRole").actions);
        for (document, statement, resource) in identity_allows_on_every_resource(cx.model) {
            // A condition block we cannot read may narrow the resources: this rule reports
            // only what it can show.
            if statement.conditions.opaque
                || statement
                    .conditions
                    .items
                    .iter()
                    .any(Condition::narrows_resources)
            {
                continue;
            }
            let scoped = statement.is_scoped();
            // POL003 reports such a `NotAction` as a full administrator.
            if !scoped && not_action_grants_all_iam(catalog, statement) {
                continue;
            }
            let Some(mut writes) = granted_actions(catalog, statement) else {
                continue;
            };
            writes.intersect_with(catalog.write_like_actions());
            writes.intersect_with(catalog.resource_level_actions());
            writes.difference_with(&left_out);
            let elsewhere = statement
                .action
                .iter()
                .flatten()
                .filter(|v| reported_elsewhere(v, scoped));
            for value in elsewhere.filter_map(Expr::as_literal) {
                writes.difference_with(&catalog.expand(value).actions);
            }
            if writes.is_empty() {
                continue;
            }
            self.report(
                cx,
                &document.label(),
                &document.resource.name,
                statement,
                resource,
                &writes,
            );
        }
    }
}

impl WriteOnAllResources {
    fn report(
        &self,
        cx: &mut RuleContext<'_>,
        label: &str,
        resource_name: &str,
        statement: &Statement,
        resource: &Expr,
        writes: &ActionSet,
    ) {
        let catalog = Catalog::get();
        let count = writes.len();
        let granted_by = match &statement.not_action {
            Some(_) => " (everything outside its `NotAction`)",
            None => "",
        };
        let noun = if count == 1 { "action" } else { "actions" };
        let finding = cx
            .finding(
                resource.loc,
                resource_name,
                format!(
                    "{label} allows {} write, tagging or permissions-management {noun}{granted_by} on every resource (`{}`) that could be limited to named resources: {}",
                    thousands(count),
                    resource.display(),
                    action_examples(catalog, writes),
                ),
            )
            .with_help("name the ARNs these actions need (or pin `aws:ResourceTag/…`); keep only actions that take no resource, such as `xray:PutTraceSegments`, on `*`")
            .with_related(statement.loc, "in this statement");
        cx.report(finding);
    }
}
