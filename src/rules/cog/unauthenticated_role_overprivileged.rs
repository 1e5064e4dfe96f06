use crate::finding::Severity;
use crate::graph::{EdgeKind, ModelRef};
use crate::model::policy::wildcard_match;
use crate::model::{Effect, Expr, Statement};
use crate::rules::shared::{ActionReach, HeldPolicy, PolicyContent, action_reach, held_policies};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// The guest role of an identity pool that allows guests can change things.
    pub UnauthenticatedRoleOverprivileged {
        code: "COG003",
        name: "unauthenticated-role-overprivileged",
        severity: High,
        summary: "unauthenticated role of an identity pool grants write or wildcard actions",
    }
}

/// Writes AWS designed for anonymous browser and mobile clients: CloudWatch RUM telemetry and
/// Pinpoint / Mobile Analytics events. AWS's own setup for these services gives exactly these
/// actions to the guest role, so they are not over-privilege.
const GUEST_INGESTION: &[&str] = &[
    "rum:PutRumEvents",
    "mobileanalytics:PutEvents",
    "mobiletargeting:PutEvents",
    "mobiletargeting:UpdateEndpoint",
];

/// Actions whose access depends on the resource they name: GraphQL queries and subscriptions
/// only read (mutations write), and API Gateway `GET`/`HEAD`/`OPTIONS` methods only read. The
/// action catalog lists both actions as writes, so this stays when the catalog lands.
fn reads_by_resource(action: &str, statement: &Statement) -> bool {
    let Some(resources) = statement.resource.as_ref().filter(|r| !r.is_empty()) else {
        return false;
    };
    let every = |reads: fn(&str) -> bool| resources.iter().all(|r| reads(&r.display()));
    if action.eq_ignore_ascii_case("appsync:GraphQL") {
        // `arn:aws:appsync:REGION:ACCOUNT:apis/API/types/Query/fields/NAME`
        every(|arn| arn.contains("/types/Query/") || arn.contains("/types/Subscription/"))
    } else if action.eq_ignore_ascii_case("execute-api:Invoke") {
        // `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`
        every(|arn| matches!(arn.split('/').nth(2), Some("GET" | "HEAD" | "OPTIONS")))
    } else {
        false
    }
}

/// AWS managed policies whose names say they grant write or administrative access. Other AWS
/// managed policies are judged once the action catalog lands (issue #5).
fn is_broad_managed_policy(name: &str) -> bool {
    ["FullAccess", "PowerUser", "Administrator"]
        .iter()
        .any(|word| name.contains(word))
}

/// `Action` patterns of Deny statements that apply to every resource and request.
fn unconditional_denies<'m>(policies: &[HeldPolicy<'m>]) -> Vec<&'m str> {
    policies
        .iter()
        .filter_map(|p| match p.content {
            PolicyContent::Document(doc) => Some(doc),
            _ => None,
        })
        .flat_map(|doc| doc.statements.iter())
        .filter(|s| {
            s.effect == Effect::Deny
                && s.conditions.items.is_empty()
                && !s.conditions.opaque
                && s.resource
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|v| v.is_literal("*")))
        })
        .flat_map(|s| s.action.iter().flatten())
        .filter_map(Expr::as_literal)
        .collect()
}

/// What one Allow statement grants a guest that it should not: `(where, how it reads)`.
fn excess_grants(statement: &Statement, denies: &[&str]) -> Vec<(Loc, String)> {
    let mut grants = Vec::new();
    if let Some(not_action) = &statement.not_action {
        let except: Vec<String> = not_action.iter().map(Expr::display).collect();
        let loc = not_action.first().map_or(statement.loc, |a| a.loc);
        grants.push((
            loc,
            format!(
                "every action except `{}` (`NotAction`)",
                except.join("`, `")
            ),
        ));
    }
    for action in statement.action.iter().flatten() {
        let reach = action_reach(action);
        let text = action.display();
        let harmless = match reach {
            ActionReach::ReadOnly => true,
            ActionReach::Write => {
                GUEST_INGESTION
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(text.trim()))
                    || reads_by_resource(text.trim(), statement)
            }
            _ => false,
        };
        // An unconditional Deny whose pattern covers this whole pattern takes it away.
        let denied = action.as_literal().is_some_and(|allowed| {
            denies
                .iter()
                .any(|deny| wildcard_match(deny, allowed.trim()))
        });
        if harmless || denied {
            continue;
        }
        let described = match reach {
            ActionReach::All => "every action (`*`)".to_owned(),
            ActionReach::Service => format!("every action of a service (`{text}`)"),
            ActionReach::Unknown => format!("`{text}` (not known until deployment)"),
            _ => format!("`{text}`"),
        };
        grants.push((action.loc, described));
    }
    grants
}

fn encloses(outer: Loc, inner: Loc) -> bool {
    outer.file == inner.file
        && outer.span.start <= inner.span.start
        && inner.span.end <= outer.span.end
}

/// How a statement is named in messages: its `Sid`, else its position.
fn statement_label(statement: &Statement, index: usize) -> String {
    statement
        .sid
        .as_ref()
        .and_then(Expr::as_literal)
        .map_or_else(
            || format!("statement {}", index + 1),
            |sid| format!("statement `{sid}`"),
        )
}

impl Rule for UnauthenticatedRoleOverprivileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        for &pool_node in &graph.identity_pool_nodes {
            let ModelRef::IdentityPool(p) = graph.node(pool_node).model else {
                continue;
            };
            let Some(pool) = model.identity_pools.get(p) else {
                continue;
            };
            // `false` means the guest role is never handed out. A value the scan cannot read
            // may be `true`: report, one level lower.
            let (severity, guests) = match pool.allow_unauthenticated {
                Some(flag) if !flag.value => continue,
                Some(flag) => (cx.severity(), Some(flag.loc)),
                None => (Severity::Medium, None),
            };
            let condition = if guests.is_some() {
                ""
            } else {
                " if it allows guests (its setting for unauthenticated identities is not a literal)"
            };
            let guest_roles = graph
                .outgoing(pool_node, EdgeKind::AttachedToPool)
                .filter(|(_, _, edge)| edge.label == "unauthenticated");
            for (_, role_node, edge) in guest_roles {
                let role = graph.node(role_node);
                let ModelRef::Principal(_) = role.model else {
                    continue;
                };
                let policies = held_policies(model, graph, role_node);
                let denies = unconditional_denies(&policies);
                let intro = format!(
                    "identity pool `{}` gives guests role `{}`{condition}",
                    pool.resource.name, role.name
                );
                for policy in &policies {
                    let mut findings = Vec::new();
                    match policy.content {
                        PolicyContent::Document(doc) => {
                            for (i, statement) in doc.statements.iter().enumerate() {
                                if !statement.is_allow() {
                                    continue;
                                }
                                let grants = excess_grants(statement, &denies);
                                let Some((loc, _)) = grants.first() else {
                                    continue;
                                };
                                let listed: Vec<&str> =
                                    grants.iter().map(|(_, g)| g.as_str()).collect();
                                findings.push(cx.finding(
                                    *loc,
                                    role.resource.as_deref().unwrap_or(&role.name),
                                    format!(
                                        "{intro}, and {} of its policy `{}` allows {}: anyone who knows the pool id can use it",
                                        statement_label(statement, i),
                                        policy.name,
                                        listed.join(", ")
                                    ),
                                ));
                            }
                        }
                        PolicyContent::AwsManaged if is_broad_managed_policy(&policy.name) => {
                            if let Some(loc) = policy.attachment {
                                findings.push(cx.finding(
                                    loc,
                                    role.resource.as_deref().unwrap_or(&role.name),
                                    format!(
                                        "{intro}, which has the AWS managed policy `{}`: anyone who knows the pool id gets its write access",
                                        policy.name
                                    ),
                                ));
                            }
                        }
                        PolicyContent::AwsManaged | PolicyContent::Unknown => {}
                    }
                    for finding in findings {
                        let mut finding = finding
                            .with_severity(severity)
                            .with_help("give the unauthenticated role only the read actions guests need, on named resources; move writes to the authenticated role")
                            .with_related(
                                edge.loc.unwrap_or(pool.resource.loc),
                                "attached as the pool's unauthenticated role here",
                            );
                        // An embedded policy's "attachment" is the document around the action.
                        if let Some(loc) = policy.attachment.filter(|l| !encloses(*l, finding.loc))
                        {
                            finding = finding.with_related(loc, "policy attached here");
                        }
                        if let Some(loc) = guests {
                            finding = finding.with_related(loc, "guests allowed here");
                        }
                        cx.report(finding);
                    }
                }
            }
        }
    }
}
