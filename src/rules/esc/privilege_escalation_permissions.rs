use crate::catalog::{ActionId, Catalog};
use crate::graph::permissions::{Effective, Grant, Permissions, Reach};
use crate::model::PrincipalType;
use crate::rules::shared::principal_kind_word;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A principal's permissions cover a known privilege-escalation method.
    pub PrivilegeEscalationPermissions {
        code: "ESC001",
        name: "privilege-escalation-permissions",
        severity: High,
        summary: "a principal's permissions cover a known privilege-escalation method on unrestricted resources",
    }
}

/// Where a method was published.
#[derive(Clone, Copy)]
enum Source {
    /// Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation" (2018).
    Rhino,
    /// NCC Group PMapper's edge checks.
    PMapper,
    /// Bishop Fox `iam-vulnerable`.
    BishopFox,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Rhino => "Rhino Security Labs",
            Source::PMapper => "PMapper",
            Source::BishopFox => "Bishop Fox iam-vulnerable",
        }
    }
}

/// A privilege-escalation method as data: `key` must be allowed on every resource (it picks
/// the victim: any policy, any user, any role to pass) and is the grant the finding points at;
/// `also` must be allowed without a condition, on any resource.
struct Method {
    name: &'static str,
    key: &'static str,
    also: &'static [&'static str],
    /// What the holder does, one line.
    what: &'static str,
    source: Source,
}

/// The methods of `rules/ESC001.md`, in its order.
const METHODS: &[Method] = &[
    Method {
        name: "CreateNewPolicyVersion",
        key: "iam:CreatePolicyVersion",
        also: &[],
        what: "writes a new default version of a customer managed policy it holds, with any permissions",
        source: Source::Rhino,
    },
    Method {
        name: "SetExistingDefaultPolicyVersion",
        key: "iam:SetDefaultPolicyVersion",
        also: &[],
        what: "makes an older, more permissive version of a policy it holds the default again",
        source: Source::Rhino,
    },
    Method {
        name: "CreateAccessKey",
        key: "iam:CreateAccessKey",
        also: &[],
        what: "mints access keys for another user and acts as that user",
        source: Source::Rhino,
    },
    Method {
        name: "CreateLoginProfile",
        key: "iam:CreateLoginProfile",
        also: &[],
        what: "sets a console password for a user who has none and signs in as that user",
        source: Source::Rhino,
    },
    Method {
        name: "UpdateLoginProfile",
        key: "iam:UpdateLoginProfile",
        also: &[],
        what: "resets another user's console password and signs in as that user",
        source: Source::Rhino,
    },
    Method {
        name: "AttachUserPolicy",
        key: "iam:AttachUserPolicy",
        also: &[],
        what: "attaches AdministratorAccess to itself or another user",
        source: Source::Rhino,
    },
    Method {
        name: "AttachGroupPolicy",
        key: "iam:AttachGroupPolicy",
        also: &[],
        what: "attaches AdministratorAccess to a group it is in",
        source: Source::Rhino,
    },
    Method {
        name: "AttachRolePolicy",
        key: "iam:AttachRolePolicy",
        also: &[],
        what: "attaches AdministratorAccess to itself or a role it can assume",
        source: Source::Rhino,
    },
    Method {
        name: "PutUserPolicy",
        key: "iam:PutUserPolicy",
        also: &[],
        what: "writes an inline policy granting anything on itself or another user",
        source: Source::Rhino,
    },
    Method {
        name: "PutGroupPolicy",
        key: "iam:PutGroupPolicy",
        also: &[],
        what: "writes an inline policy granting anything on a group it is in",
        source: Source::Rhino,
    },
    Method {
        name: "PutRolePolicy",
        key: "iam:PutRolePolicy",
        also: &[],
        what: "writes an inline policy granting anything on itself or a role it can assume",
        source: Source::Rhino,
    },
    Method {
        name: "AddUserToGroup",
        key: "iam:AddUserToGroup",
        also: &[],
        what: "adds itself to a more privileged group",
        source: Source::Rhino,
    },
    Method {
        name: "UpdateRolePolicyToAssumeIt",
        key: "iam:UpdateAssumeRolePolicy",
        also: &["sts:AssumeRole"],
        what: "rewrites a privileged role's trust policy to admit itself, then assumes it",
        source: Source::Rhino,
    },
    Method {
        name: "CreateEC2WithExistingInstanceProfile",
        key: "iam:PassRole",
        also: &["ec2:RunInstances"],
        what: "starts an instance with a privileged role and reads its credentials from the instance",
        source: Source::Rhino,
    },
    Method {
        name: "PassExistingRoleToNewLambdaThenInvoke",
        key: "iam:PassRole",
        also: &["lambda:CreateFunction", "lambda:InvokeFunction"],
        what: "creates a function running as a privileged role and invokes it",
        source: Source::Rhino,
    },
    Method {
        name: "PassExistingRoleToNewLambdaThenTriggerWithEventSource",
        key: "iam:PassRole",
        also: &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        what: "creates a function running as a privileged role and triggers it from a stream or queue",
        source: Source::Rhino,
    },
    Method {
        name: "EditExistingLambdaFunctionWithRole",
        key: "lambda:UpdateFunctionCode",
        also: &[],
        what: "replaces the code of a function that runs as a privileged role",
        source: Source::Rhino,
    },
    Method {
        name: "PassExistingRoleToNewCloudFormation",
        key: "iam:PassRole",
        also: &["cloudformation:CreateStack"],
        what: "creates a stack whose service role is privileged; the stack creates whatever it is told to",
        source: Source::Rhino,
    },
    Method {
        name: "PassExistingRoleToNewGlueDevEndpoint",
        key: "iam:PassRole",
        also: &["glue:CreateDevEndpoint"],
        what: "creates a Glue development endpoint with a privileged role and logs in to it",
        source: Source::Rhino,
    },
    Method {
        name: "UpdateExistingGlueDevEndpoint",
        key: "glue:UpdateDevEndpoint",
        also: &[],
        what: "adds its SSH key to an existing Glue development endpoint that has a privileged role",
        source: Source::Rhino,
    },
    Method {
        name: "PassRoleToNewCodeBuildProject",
        key: "iam:PassRole",
        also: &["codebuild:CreateProject", "codebuild:StartBuild"],
        what: "creates a build project with a privileged service role and runs a build",
        source: Source::PMapper,
    },
    Method {
        name: "PassRoleToNewSageMakerNotebook",
        key: "iam:PassRole",
        also: &[
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        what: "creates a notebook instance with a privileged role and opens it",
        source: Source::Rhino,
    },
    Method {
        name: "PassRoleToNewEcsTask",
        key: "iam:PassRole",
        also: &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
        what: "registers a task definition with a privileged task role and runs it",
        source: Source::BishopFox,
    },
];

/// How many items a message lists before "and N more".
const LISTED: usize = 4;

/// `a, b, c, d and 3 more methods`.
fn listing(items: &[String], noun: &str) -> String {
    let shown = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(LISTED) {
        0 => shown,
        1 => format!("{shown} and 1 more {noun}"),
        more => format!("{shown} and {more} more {noun}s"),
    }
}

impl Rule for PrivilegeEscalationPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let catalog = Catalog::get();
        let graph = cx.graph;
        for (i, permissions) in graph.permissions.iter().enumerate() {
            let (Some(principal), Some(&node)) =
                (cx.model.principals.get(i), graph.principal_nodes.get(i))
            else {
                continue;
            };
            let effective = permissions.effective(catalog);
            // Every action on every resource is full admin, which POL003 / POL010 report.
            if catalog.action_count() > 0 && effective.unrestricted.len() == catalog.action_count()
            {
                continue;
            }
            // A user's group grants are reported on the group.
            let own_only = principal.kind == PrincipalType::User;
            let mut by_grant: Vec<(&Grant, Vec<&Method>)> = Vec::new();
            for method in METHODS {
                let Some(grant) = key_grant(permissions, &effective, method, own_only) else {
                    continue;
                };
                match by_grant.iter_mut().find(|(g, _)| std::ptr::eq(*g, grant)) {
                    Some((_, methods)) => methods.push(method),
                    None => by_grant.push((grant, vec![method])),
                }
            }
            let label = principal_kind_word(principal.kind);
            let name = &graph.node(node).name;
            for (grant, methods) in by_grant {
                let keys = unique(methods.iter().map(|m| m.key));
                let names: Vec<String> = methods
                    .iter()
                    .map(|m| {
                        if m.also.is_empty() {
                            m.name.to_owned()
                        } else {
                            format!("{} (with `{}`)", m.name, m.also.join("`, `"))
                        }
                    })
                    .collect();
                let first = methods.first().copied().unwrap_or(&METHODS[0]);
                let mut finding = cx
                    .finding(
                        grant.loc,
                        &principal.resource.name,
                        format!(
                            "{label} `{name}` can escalate its privileges by {}: `{}` allows {} on every resource",
                            listing(&names, "method"),
                            grant.policy,
                            listing(&keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>(), "action"),
                        ),
                    )
                    .with_help(format!(
                        "{} ({}): {}. Name the resources the action may touch or add a condition that scopes it, and deny what the principal must never do",
                        first.name,
                        first.source.as_str(),
                        first.what
                    ));
                let mut related: Vec<&Grant> = vec![grant];
                for also in unique(methods.iter().flat_map(|m| m.also.iter().copied())) {
                    let Some(other) = catalog
                        .action_id(also)
                        .and_then(|id| unconditional_grant(permissions, id))
                    else {
                        continue;
                    };
                    if !related.iter().any(|g| std::ptr::eq(*g, other)) {
                        related.push(other);
                        finding =
                            finding.with_related(other.loc, format!("`{also}` is allowed here"));
                    }
                }
                cx.report(finding);
            }
        }
    }
}

/// The grant of the method's key action on every resource, when the principal's effective
/// permissions cover the whole method.
fn key_grant<'p>(
    permissions: &'p Permissions,
    effective: &Effective,
    method: &Method,
    own_only: bool,
) -> Option<&'p Grant> {
    let catalog = Catalog::get();
    let key = catalog.action_id(method.key)?;
    if !effective.unrestricted.contains(key) {
        return None;
    }
    let all_also = method.also.iter().all(|a| {
        catalog
            .action_id(a)
            .is_some_and(|id| effective.allows_unconditionally(id))
    });
    if !all_also {
        return None;
    }
    permissions.grants.iter().find(|g| {
        g.reach == Reach::Unrestricted && g.actions.contains(key) && !(own_only && g.inherited)
    })
}

/// The first grant allowing `action` without a condition, for a related location.
fn unconditional_grant(permissions: &Permissions, action: ActionId) -> Option<&Grant> {
    [Reach::Unrestricted, Reach::Specific]
        .into_iter()
        .find_map(|reach| permissions.grant_of(action, reach))
}

/// In first-seen order, without repeats.
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}
