//! Terraform JSON configuration (`*.tf.json`) and `terraform show -json` output → IAM model.
//!
//! Both inputs describe the same resources with the same attribute names, so one mapping
//! ([`read_resource`]) turns a resource's attributes into model items; what differs is how an
//! attribute's value is obtained, behind [`Attributes`]:
//!
//! - [`config`]: strings are HCL templates. `${…}` references become symbols, `var.`/`local.`
//!   values are followed inside the module, `data.aws_iam_policy_document` blocks and
//!   `jsonencode({…})` expressions become policy trees.
//! - [`plan`]: values are final literals. Values unknown until apply become symbols taken from
//!   the plan's `configuration` references.
//!
//! Policy documents, however written, end up as an IAM JSON [`Node`] tree read by the one
//! policy reader, [`crate::normalize::policy::read_policy`]. This module must not interpret IAM
//! (no rule logic, no second policy reader), must not guess a value it cannot evaluate (it
//! becomes [`crate::model::Symbol::Unknown`] or an `opaque` document), and must not panic or
//! recurse without bound on user data.

mod config;
mod document;
mod embedded;
mod plan;
mod template;

pub use config::normalize_module;
pub use plan::normalize_plan;

use crate::model::{
    CognitoProviderRef, Expr, Flag, GroupMembership, IdentityPool, IdentityProvider, InlinePolicy,
    LambdaPermission, Model, PasswordPolicy, PolicyAttachment, PolicyDocument, PolicyKind,
    PoolRoleAttachment, Principal, PrincipalType, ProviderKind, ResourceId, ResourcePolicy,
    ResourceService, StandalonePolicy, UserPool, UserPoolClient,
};
use crate::parse::Node;
use crate::source::Loc;

/// Nesting of `module` calls followed in a plan. Terraform has no such limit, but real
/// configurations stay far below it and a hostile plan must not exhaust the stack.
const MAX_MODULE_DEPTH: usize = 64;

/// One resource's (or nested block's) attributes, however the input writes them.
trait Attributes: Sized {
    /// Where the block is.
    fn loc(&self) -> Loc;
    /// A scalar attribute; `None` when unset or `null`.
    fn value(&self, key: &str) -> Option<Expr>;
    /// A list attribute, flattened.
    fn values(&self, key: &str) -> Vec<Expr>;
    /// An attribute holding a policy document (a JSON string in Terraform's schema).
    fn policy(&self, key: &str, kind: PolicyKind) -> Option<PolicyDocument>;
    /// The nested blocks named `key`.
    fn blocks(&self, key: &str) -> Vec<Self>;
    /// One entry of a map attribute (`roles.authenticated`).
    fn field(&self, key: &str, field: &str) -> Option<Expr>;
    /// Whether the configuration sets the attribute (rather than the provider computing it).
    fn configured(&self, key: &str) -> bool;

    /// A boolean attribute. Unknown values are not flags: rules must not read them as `false`.
    fn flag(&self, key: &str) -> Option<Flag> {
        let value = self.value(key)?;
        let flag = match value.as_literal()?.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return None,
        };
        Some(Flag {
            value: flag,
            loc: value.loc,
        })
    }
}

/// Where a resource type keeps a resource policy.
struct PolicyAttribute {
    service: ResourceService,
    key: &'static str,
    /// The resource itself (bucket, queue, topic, secret, domain) rather than a resource
    /// dedicated to its policy. Once applied, Terraform reports such an attribute whatever set
    /// the policy (a dedicated `…_policy` resource, or AWS's default), so in plans and state it
    /// is read only when the configuration sets it: otherwise the same policy would be reported
    /// twice, or a default the user never wrote would be.
    on_container: bool,
}

/// Resource types that carry a resource policy, and the attribute holding it.
fn resource_policy_attribute(kind: &str) -> Option<PolicyAttribute> {
    let (service, key, on_container) = match kind {
        "aws_s3_bucket_policy" => (ResourceService::S3, "policy", false),
        "aws_s3_bucket" => (ResourceService::S3, "policy", true),
        "aws_sqs_queue_policy" => (ResourceService::Sqs, "policy", false),
        "aws_sqs_queue" => (ResourceService::Sqs, "policy", true),
        "aws_sns_topic_policy" => (ResourceService::Sns, "policy", false),
        "aws_sns_topic" => (ResourceService::Sns, "policy", true),
        "aws_kms_key" => (ResourceService::Kms, "policy", true),
        "aws_secretsmanager_secret_policy" => (ResourceService::SecretsManager, "policy", false),
        "aws_secretsmanager_secret" => (ResourceService::SecretsManager, "policy", true),
        "aws_ecr_repository_policy" => (ResourceService::Ecr, "policy", false),
        "aws_opensearch_domain_policy" | "aws_elasticsearch_domain_policy" => {
            (ResourceService::OpenSearch, "access_policies", false)
        }
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => {
            (ResourceService::OpenSearch, "access_policies", true)
        }
        _ => return None,
    };
    Some(PolicyAttribute {
        service,
        key,
        on_container,
    })
}

/// Map one resource onto the model. Types without IAM meaning are ignored. Terraform attribute
/// names appear only here (and in the policy-document builder).
fn read_resource(id: ResourceId, attrs: &impl Attributes, model: &mut Model) {
    let kind = id.kind.clone();
    match kind.as_str() {
        "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {
            let principal_kind = match kind.as_str() {
                "aws_iam_role" => PrincipalType::Role,
                "aws_iam_user" => PrincipalType::User,
                _ => PrincipalType::Group,
            };
            let inline_policies = attrs
                .blocks("inline_policy")
                .iter()
                .filter_map(|block| {
                    // An empty `inline_policy {}` only tells Terraform to remove unmanaged ones.
                    let document = block.policy("policy", PolicyKind::Identity)?;
                    Some(InlinePolicy {
                        name: block.value("name"),
                        document,
                    })
                })
                .collect();
            model.principals.push(Principal {
                resource: id,
                kind: principal_kind,
                name: attrs.value("name"),
                trust: attrs.policy("assume_role_policy", PolicyKind::Trust),
                inline_policies,
                managed_policy_arns: attrs.values("managed_policy_arns"),
                permissions_boundary: attrs.value("permissions_boundary"),
                groups: Vec::new(),
            });
        }
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => {
            let Some(document) = attrs.policy("policy", PolicyKind::Identity) else {
                return;
            };
            // An inline policy resource names its one principal; a managed policy names none.
            let holder = match kind.as_str() {
                "aws_iam_role_policy" => Some("role"),
                "aws_iam_user_policy" => Some("user"),
                "aws_iam_group_policy" => Some("group"),
                _ => None,
            };
            let target = |key: &str| match holder {
                Some(holder) if holder == key => attrs.value(key).into_iter().collect(),
                _ => Vec::new(),
            };
            model.policies.push(StandalonePolicy {
                managed: kind == "aws_iam_policy",
                name: attrs.value("name"),
                document,
                roles: target("role"),
                users: target("user"),
                groups: target("group"),
                resource: id,
            });
        }
        "aws_iam_role_policy_attachment"
        | "aws_iam_user_policy_attachment"
        | "aws_iam_group_policy_attachment" => {
            let (principal_kind, key) = match kind.as_str() {
                "aws_iam_role_policy_attachment" => (PrincipalType::Role, "role"),
                "aws_iam_user_policy_attachment" => (PrincipalType::User, "user"),
                _ => (PrincipalType::Group, "group"),
            };
            if let (Some(principal), Some(policy_arn)) =
                (attrs.value(key), attrs.value("policy_arn"))
            {
                model.attachments.push(PolicyAttachment {
                    resource: id,
                    principal_kind,
                    principal,
                    policy_arn,
                });
            }
        }
        "aws_iam_policy_attachment" => {
            let Some(policy_arn) = attrs.value("policy_arn") else {
                return;
            };
            let targets = [
                (PrincipalType::Role, "roles"),
                (PrincipalType::User, "users"),
                (PrincipalType::Group, "groups"),
            ];
            for (principal_kind, key) in targets {
                for principal in attrs.values(key) {
                    model.attachments.push(PolicyAttachment {
                        resource: id.clone(),
                        principal_kind,
                        principal,
                        policy_arn: policy_arn.clone(),
                    });
                }
            }
        }
        "aws_iam_user_group_membership" => {
            let Some(user) = attrs.value("user") else {
                return;
            };
            for group in attrs.values("groups") {
                model.memberships.push(GroupMembership {
                    resource: id.clone(),
                    group,
                    users: vec![user.clone()],
                });
            }
        }
        "aws_iam_group_membership" => {
            if let Some(group) = attrs.value("group") {
                model.memberships.push(GroupMembership {
                    resource: id,
                    group,
                    users: attrs.values("users"),
                });
            }
        }
        "aws_iam_openid_connect_provider" | "aws_iam_saml_provider" => {
            let oidc = kind == "aws_iam_openid_connect_provider";
            model.providers.push(IdentityProvider {
                resource: id,
                kind: if oidc {
                    ProviderKind::Oidc
                } else {
                    ProviderKind::Saml
                },
                url_or_name: attrs.value(if oidc { "url" } else { "name" }),
                client_ids: attrs.values("client_id_list"),
            });
        }
        "aws_cognito_identity_pool" => {
            let cognito_providers = attrs
                .blocks("cognito_identity_providers")
                .iter()
                .map(|p| CognitoProviderRef {
                    client_id: p.value("client_id"),
                    provider_name: p.value("provider_name"),
                    loc: p.loc(),
                })
                .collect();
            model.identity_pools.push(IdentityPool {
                resource: id,
                name: attrs.value("identity_pool_name"),
                allow_unauthenticated: attrs.flag("allow_unauthenticated_identities"),
                allow_classic_flow: attrs.flag("allow_classic_flow"),
                cognito_providers,
                openid_provider_arns: attrs.values("openid_connect_provider_arns"),
                saml_provider_arns: attrs.values("saml_provider_arns"),
            });
        }
        "aws_cognito_identity_pool_roles_attachment" => {
            let mapped_roles = attrs
                .blocks("role_mapping")
                .iter()
                .flat_map(|mapping| mapping.blocks("mapping_rule"))
                .filter_map(|rule| rule.value("role_arn"))
                .collect();
            if let Some(pool) = attrs.value("identity_pool_id") {
                model.pool_role_attachments.push(PoolRoleAttachment {
                    resource: id,
                    pool,
                    authenticated: attrs.field("roles", "authenticated"),
                    unauthenticated: attrs.field("roles", "unauthenticated"),
                    mapped_roles,
                });
            }
        }
        "aws_cognito_user_pool" => {
            let password_policy = attrs
                .blocks("password_policy")
                .first()
                .map(|p| PasswordPolicy {
                    loc: p.loc(),
                    minimum_length: p.value("minimum_length"),
                    require_lowercase: p.flag("require_lowercase"),
                    require_uppercase: p.flag("require_uppercase"),
                    require_numbers: p.flag("require_numbers"),
                    require_symbols: p.flag("require_symbols"),
                });
            let admin_create_only = attrs
                .blocks("admin_create_user_config")
                .first()
                .and_then(|c| c.flag("allow_admin_create_user_only"));
            model.user_pools.push(UserPool {
                resource: id,
                name: attrs.value("name"),
                mfa: attrs.value("mfa_configuration"),
                password_policy,
                admin_create_only,
            });
        }
        "aws_cognito_user_pool_client" => {
            if let Some(user_pool) = attrs.value("user_pool_id") {
                model.user_pool_clients.push(UserPoolClient {
                    resource: id,
                    user_pool,
                });
            }
        }
        "aws_lambda_permission" => {
            if let Some(principal) = attrs.value("principal") {
                model.lambda_permissions.push(LambdaPermission {
                    resource: id,
                    principal,
                    action: attrs.value("action"),
                    function: attrs.value("function_name"),
                    source_account: attrs.value("source_account"),
                    source_arn: attrs.value("source_arn"),
                    principal_org_id: attrs.value("principal_org_id"),
                });
            }
        }
        _ => {
            if let Some(attribute) = resource_policy_attribute(&kind)
                && (!attribute.on_container || attrs.configured(attribute.key))
                && let Some(document) = attrs.policy(attribute.key, PolicyKind::Resource)
            {
                model.resource_policies.push(ResourcePolicy {
                    resource: id,
                    service: attribute.service,
                    document,
                });
            }
        }
    }
}

/// The objects a block (or label level) holds: Terraform JSON writes one block as an object and
/// several as an array of objects, at every level.
fn bodies(node: &Node) -> Vec<&Node> {
    match node.as_seq() {
        Some(items) => items.iter().filter(|i| i.as_map().is_some()).collect(),
        None if node.as_map().is_some() => vec![node],
        None => Vec::new(),
    }
}

/// The nested blocks `key` of a block body, written out (not `dynamic`).
fn nested<'a>(body: &'a Node, key: &str) -> Vec<&'a Node> {
    body.get(key).map(bodies).unwrap_or_default()
}

/// The `content` of each `dynamic "key"` block: one representative of blocks generated at plan
/// time, whose iterator values stay unknown.
fn dynamic<'a>(body: &'a Node, key: &str) -> Vec<&'a Node> {
    nested(body, "dynamic")
        .into_iter()
        .flat_map(|d| nested(d, key))
        .flat_map(|d| nested(d, "content"))
        .collect()
}

#[cfg(test)]
mod tests;
