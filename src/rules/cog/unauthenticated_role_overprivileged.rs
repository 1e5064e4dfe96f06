use crate::catalog::{ActionSet, Catalog};
use crate::finding::Severity;
use crate::graph::{EdgeKind, ModelRef};
use crate::model::policy::wildcard_match;
use crate::model::{Effect, Expr, Statement};
use crate::rules::shared::{
    HeldPolicy, PolicyContent, action_examples, aws_managed_grants, granted_actions, held_policies,
    is_every_action, is_read_verb_action, service_of_wildcard,
};
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

/// Actions whose access depends on the resource they name (see [`reads_by_resource`]).
const READS_BY_RESOURCE: &[&str] = &["appsync:GraphQL", "execute-api:Invoke"];

/// Actions whose access depends on the resource they name: GraphQL queries and subscriptions
/// only read (mutations write), and API Gateway `GET`/`HEAD`/`OPTIONS` methods only read. The
/// action catalog lists both actions as writes.
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

/// AWS managed policies whose names say they grant write or administrative access: how a
/// policy whose document iamlint does not ship is judged.
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

/// What a guest may not have, judged by the catalog's access levels: the write-like actions
/// (Write, Permissions management, Tagging) not taken away by an unconditional Deny, less the
/// writes AWS designed for anonymous clients.
struct Excess<'m> {
    catalog: &'static Catalog<'static>,
    /// Write-like actions a guest may not have.
    forbidden: ActionSet,
    /// The unconditional Deny patterns, for actions the catalog does not know.
    denies: Vec<&'m str>,
}

impl<'m> Excess<'m> {
    fn new(catalog: &'static Catalog<'static>, denies: Vec<&'m str>) -> Self {
        let mut forbidden = catalog.write_like_actions().clone();
        forbidden.difference_with(&catalog.expand_action(GUEST_INGESTION));
        forbidden.difference_with(&catalog.expand_action(&denies));
        Excess {
            catalog,
            forbidden,
            denies,
        }
    }

    /// The forbidden actions in `granted`, less those the statement's resources make reads.
    fn in_grant(&self, granted: &ActionSet, statement: Option<&Statement>) -> ActionSet {
        let mut excess = granted.clone();
        excess.intersect_with(&self.forbidden);
        for action in READS_BY_RESOURCE {
            if statement.is_some_and(|s| reads_by_resource(action, s))
                && let Some(id) = self.catalog.action_id(action)
            {
                excess.remove(id);
            }
        }
        excess
    }

    /// What one Allow statement grants a guest that it should not: `(where, how it reads)`.
    fn grants(&self, statement: &Statement) -> Vec<(Loc, String)> {
        let mut grants = Vec::new();
        if let Some(not_action) = &statement.not_action {
            let excess = granted_actions(self.catalog, statement)
                .map(|granted| self.in_grant(&granted, Some(statement)));
            // A `NotAction` that cannot be read may leave anything.
            if excess.is_none_or(|e| !e.is_empty()) {
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
        }
        for action in statement.action.iter().flatten() {
            if let Some(described) = self.describe(action, statement) {
                grants.push((action.loc, described));
            }
        }
        grants
    }

    /// What an attached AWS managed policy grants a guest that it should not, from its shipped
    /// document, else judged by its name; `None` when nothing.
    fn of_managed(&self, name: &str) -> Option<String> {
        let Some(granted) = aws_managed_grants(name) else {
            return is_broad_managed_policy(name).then(|| "write access, by its name".to_owned());
        };
        let excess = self.in_grant(granted, None);
        (!excess.is_empty()).then(|| self.count_with_examples(&excess))
    }

    /// "12 writes: `s3:PutBucketPolicy`, `s3:PutObject`, …"
    fn count_with_examples(&self, actions: &ActionSet) -> String {
        let count = actions.len();
        let noun = if count == 1 { "write" } else { "writes" };
        format!("{count} {noun}: {}", action_examples(self.catalog, actions))
    }

    /// How an `Action` value that grants a guest too much reads in the message; `None` when it
    /// grants nothing it should not.
    fn describe(&self, action: &Expr, statement: &Statement) -> Option<String> {
        let Some(text) = action.as_literal().map(str::trim) else {
            return Some(format!(
                "`{}` (not known until deployment)",
                action.display()
            ));
        };
        if is_every_action(text) || service_of_wildcard(text).is_some() {
            // A whole service is reported even when it has no write today: it grants the
            // actions AWS adds later. Only a Deny that covers it as written takes it away.
            if self.denies.iter().any(|deny| wildcard_match(deny, text)) {
                return None;
            }
            return Some(if is_every_action(text) {
                format!("every action (`{text}`)")
            } else {
                format!("every action of a service (`{text}`)")
            });
        }
        let expansion = self.catalog.expand(text);
        if expansion.status.is_unknown() {
            // Newer than the catalog, or a typo: judge by the verb, and by the Deny patterns
            // as written.
            let harmless = is_read_verb_action(text)
                || self.denies.iter().any(|deny| wildcard_match(deny, text));
            return (!harmless).then(|| format!("`{text}`"));
        }
        let excess = self.in_grant(&expansion.actions, Some(statement));
        if excess.is_empty() {
            None
        } else if text.contains(['*', '?']) {
            Some(format!("`{text}` ({})", self.count_with_examples(&excess)))
        } else {
            Some(format!("`{text}`"))
        }
    }
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
        let catalog = Catalog::get();
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
                let excess = Excess::new(catalog, unconditional_denies(&policies));
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
                                let grants = excess.grants(statement);
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
                        PolicyContent::AwsManaged => {
                            if let (Some(loc), Some(grants)) =
                                (policy.attachment, excess.of_managed(&policy.name))
                            {
                                findings.push(cx.finding(
                                    loc,
                                    role.resource.as_deref().unwrap_or(&role.name),
                                    format!(
                                        "{intro}, which has the AWS managed policy `{}` ({grants}): anyone who knows the pool id can use it",
                                        policy.name
                                    ),
                                ));
                            }
                        }
                        PolicyContent::Unknown => {}
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
