//! CloudFormation, SAM and CDK templates → IAM model.
//!
//! Reads the IAM-bearing resource types (roles, users, groups, policies, providers, Cognito
//! pools, resource policies, Lambda permissions, SAM functions) and `Outputs` exports. Every
//! other resource type is ignored. CFN property names appear only here.

use super::intrinsics::{CfnResolver, is_intrinsic};
use super::policy::{Resolve, read_policy};
use crate::model::{
    CognitoProviderRef, Export, Expr, Flag, Format, IdentityPool, IdentityProvider, InlinePolicy,
    LambdaPermission, Model, PasswordPolicy, PolicyDocument, PolicyKind, PoolRoleAttachment,
    Principal, PrincipalType, ProviderKind, ResourceId, ResourcePolicy, ResourceService,
    StandalonePolicy, Suppression, SuppressionTarget, UserPool, UserPoolClient,
};
use crate::parse::{Entry, Node, ParseError};
use crate::source::{FileId, Loc};

/// Whether a parsed root is a CloudFormation template: `AWSTemplateFormatVersion`, or a
/// `Resources` mapping whose entries have an `AWS::`/`Custom::`/`Alexa::` type.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|resources| {
            resources.iter().any(|r| {
                r.value.get("Type").and_then(Node::as_str).is_some_and(|t| {
                    t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")
                })
            })
        })
}

/// Which dialect a template is written in.
pub fn format_of(root: &Node) -> Format {
    let transforms = root.get("Transform").map(Node::items).unwrap_or_default();
    if transforms
        .iter()
        .any(|t| t.as_str() == Some("AWS::Serverless-2016-10-31"))
    {
        return Format::Sam;
    }
    let cdk = root
        .get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|rs| {
            rs.iter().any(|r| {
                r.value
                    .get("Metadata")
                    .and_then(|m| m.get("aws:cdk:path"))
                    .is_some()
            })
        });
    if cdk {
        Format::Cdk
    } else {
        Format::CloudFormation
    }
}

pub fn normalize(file: FileId, root: &Node) -> Result<Model, ParseError> {
    let resources = match root.get("Resources") {
        // `Resources:` with nothing under it (a skeleton or a stack still being written) has
        // no IAM to check; CloudFormation's own "at least one resource" rule is not ours.
        Some(node) if node.is_null() => &[],
        Some(node) => node.as_map().ok_or_else(|| {
            ParseError::new(
                node.span,
                "`Resources` must be a mapping of logical ids to resources",
            )
        })?,
        None => &[],
    };
    let cx = CfnResolver::new(file, root);
    let mut model = Model::default();
    for entry in resources {
        // `Fn::ForEach::…` loops (LanguageExtensions) generate resources at deploy time.
        if entry.key.starts_with("Fn::ForEach::") {
            continue;
        }
        read_resource(entry, &cx, &mut model);
    }
    if let Some(outputs) = root.get("Outputs").and_then(Node::as_map) {
        for output in outputs {
            let name = output.value.get("Export").and_then(|e| e.get("Name"));
            if let (Some(name), Some(value)) = (name, output.value.get("Value")) {
                model.exports.push(Export {
                    file,
                    name: cx.value(name),
                    value: cx.value(value),
                });
            }
        }
    }
    Ok(model)
}

fn read_resource(entry: &Entry, cx: &CfnResolver<'_>, model: &mut Model) {
    let Some(kind) = entry.value.get("Type").and_then(Node::as_str) else {
        return;
    };
    let id = ResourceId {
        file: cx.file,
        name: entry.key.to_string(),
        kind: kind.to_owned(),
        loc: Loc::new(cx.file, entry.key_span),
    };
    read_suppressions(&id, entry.value.get("Metadata"), model);
    let empty = Node::scalar("", false, entry.value.span);
    let props = entry.value.get("Properties").unwrap_or(&empty);
    let get = |key: &str| props.get(key);
    let value = |key: &str| get(key).map(|n| cx.value(n));
    let values = |key: &str| get(key).map(|n| cx.values(n)).unwrap_or_default();
    let flag = |node: Option<&Node>| {
        node.and_then(|n| {
            n.as_bool().map(|value| Flag {
                value,
                loc: cx.loc(n),
            })
        })
    };
    let policy = |key: &str, kind: PolicyKind| get(key).map(|n| read_policy(n, kind, cx));

    match kind {
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            let (principal_kind, name_key) = match kind {
                "AWS::IAM::Role" => (PrincipalType::Role, "RoleName"),
                "AWS::IAM::User" => (PrincipalType::User, "UserName"),
                _ => (PrincipalType::Group, "GroupName"),
            };
            model.principals.push(Principal {
                resource: id,
                kind: principal_kind,
                name: value(name_key),
                trust: policy("AssumeRolePolicyDocument", PolicyKind::Trust),
                inline_policies: inline_policies(get("Policies"), cx),
                managed_policy_arns: values("ManagedPolicyArns"),
                permissions_boundary: value("PermissionsBoundary"),
                groups: values("Groups"),
            });
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            let managed = kind == "AWS::IAM::ManagedPolicy";
            if let Some(document) = policy("PolicyDocument", PolicyKind::Identity) {
                model.policies.push(StandalonePolicy {
                    resource: id,
                    managed,
                    name: value(if managed {
                        "ManagedPolicyName"
                    } else {
                        "PolicyName"
                    }),
                    document,
                    roles: values("Roles"),
                    users: values("Users"),
                    groups: values("Groups"),
                });
            }
        }
        "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
            if let Some(document) = policy("PolicyDocument", PolicyKind::Identity) {
                let target = |key: &str| value(key).into_iter().collect::<Vec<_>>();
                model.policies.push(StandalonePolicy {
                    resource: id,
                    managed: false,
                    name: value("PolicyName"),
                    document,
                    roles: target("RoleName"),
                    users: target("UserName"),
                    groups: target("GroupName"),
                });
            }
        }
        "AWS::IAM::UserToGroupAddition" => {
            if let Some(group) = value("GroupName") {
                model.memberships.push(crate::model::GroupMembership {
                    resource: id,
                    group,
                    users: values("Users"),
                });
            }
        }
        "AWS::IAM::OIDCProvider" | "AWS::IAM::SAMLProvider" => {
            let oidc = kind == "AWS::IAM::OIDCProvider";
            model.providers.push(IdentityProvider {
                resource: id,
                kind: if oidc {
                    ProviderKind::Oidc
                } else {
                    ProviderKind::Saml
                },
                url_or_name: value(if oidc { "Url" } else { "Name" }),
                client_ids: values("ClientIdList"),
            });
        }
        "AWS::Cognito::IdentityPool" => {
            let cognito_providers = get("CognitoIdentityProviders")
                .and_then(|n| cx.structures(n))
                .unwrap_or_default()
                .into_iter()
                .flat_map(Node::items)
                .map(|p| CognitoProviderRef {
                    client_id: p.get("ClientId").map(|n| cx.value(n)),
                    provider_name: p.get("ProviderName").map(|n| cx.value(n)),
                    loc: cx.loc(p),
                })
                .collect();
            model.identity_pools.push(IdentityPool {
                resource: id,
                name: value("IdentityPoolName"),
                allow_unauthenticated: flag(get("AllowUnauthenticatedIdentities")),
                allow_classic_flow: flag(get("AllowClassicFlow")),
                cognito_providers,
                openid_provider_arns: values("OpenIdConnectProviderARNs"),
                saml_provider_arns: values("SamlProviderARNs"),
            });
        }
        "AWS::Cognito::IdentityPoolRoleAttachment" => {
            let roles = get("Roles");
            let mapped_roles = get("RoleMappings")
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|m| m.value.get("RulesConfiguration")?.get("Rules"))
                .flat_map(Node::items)
                .filter_map(|rule| rule.get("RoleARN").map(|n| cx.value(n)))
                .collect();
            if let Some(pool) = value("IdentityPoolId") {
                model.pool_role_attachments.push(PoolRoleAttachment {
                    resource: id,
                    pool,
                    authenticated: roles
                        .and_then(|r| r.get("authenticated"))
                        .map(|n| cx.value(n)),
                    unauthenticated: roles
                        .and_then(|r| r.get("unauthenticated"))
                        .map(|n| cx.value(n)),
                    mapped_roles,
                });
            }
        }
        "AWS::Cognito::UserPool" => {
            let password_policy = get("Policies")
                .and_then(|p| p.get("PasswordPolicy"))
                .map(|p| PasswordPolicy {
                    loc: cx.loc(p),
                    minimum_length: p.get("MinimumLength").map(|n| cx.value(n)),
                    require_lowercase: flag(p.get("RequireLowercase")),
                    require_uppercase: flag(p.get("RequireUppercase")),
                    require_numbers: flag(p.get("RequireNumbers")),
                    require_symbols: flag(p.get("RequireSymbols")),
                });
            model.user_pools.push(UserPool {
                resource: id,
                name: value("UserPoolName"),
                mfa: value("MfaConfiguration"),
                password_policy,
                admin_create_only: flag(
                    get("AdminCreateUserConfig").and_then(|c| c.get("AllowAdminCreateUserOnly")),
                ),
            });
        }
        "AWS::Cognito::UserPoolClient" => {
            if let Some(user_pool) = value("UserPoolId") {
                model.user_pool_clients.push(UserPoolClient {
                    resource: id,
                    user_pool,
                });
            }
        }
        "AWS::Lambda::Permission" => {
            if let Some(principal) = value("Principal") {
                model.lambda_permissions.push(LambdaPermission {
                    resource: id,
                    principal,
                    action: value("Action"),
                    function: value("FunctionName"),
                    source_account: value("SourceAccount"),
                    source_arn: value("SourceArn"),
                    principal_org_id: value("PrincipalOrgID"),
                });
            }
        }
        "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
            read_sam_function(id, props, cx, model);
        }
        _ => {
            if let Some((service, key)) = resource_policy_property(kind)
                && let Some(document) = policy(key, PolicyKind::Resource)
            {
                model.resource_policies.push(ResourcePolicy {
                    resource: id,
                    service,
                    document,
                });
            }
        }
    }
}

/// `Metadata: {iamlint: {ignore: [{rule: XAC001, reason: …}]}}` on a resource.
fn read_suppressions(id: &ResourceId, metadata: Option<&Node>, model: &mut Model) {
    let entries = metadata
        .and_then(|m| m.get("iamlint"))
        .and_then(|m| m.get("ignore"))
        .map(Node::items)
        .unwrap_or_default();
    for entry in entries {
        let rule = entry
            .get("rule")
            .or(Some(entry).filter(|e| e.as_str().is_some()));
        let Some(rule) = rule.and_then(Node::as_str) else {
            continue;
        };
        model.suppressions.push(Suppression {
            file: id.file,
            target: SuppressionTarget::Resource(id.name.clone()),
            rule: rule.to_owned(),
            reason: entry
                .get("reason")
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            loc: Loc::new(id.file, entry.span),
        });
    }
}

/// Resource types that carry a resource policy, and the property holding it.
fn resource_policy_property(kind: &str) -> Option<(ResourceService, &'static str)> {
    Some(match kind {
        "AWS::S3::BucketPolicy" => (ResourceService::S3, "PolicyDocument"),
        "AWS::SQS::QueuePolicy" => (ResourceService::Sqs, "PolicyDocument"),
        "AWS::SNS::TopicPolicy" | "AWS::SNS::TopicInlinePolicy" => {
            (ResourceService::Sns, "PolicyDocument")
        }
        "AWS::KMS::Key" => (ResourceService::Kms, "KeyPolicy"),
        "AWS::SecretsManager::ResourcePolicy" => {
            (ResourceService::SecretsManager, "ResourcePolicy")
        }
        "AWS::ECR::Repository" => (ResourceService::Ecr, "RepositoryPolicyText"),
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
            (ResourceService::OpenSearch, "AccessPolicies")
        }
        _ => return None,
    })
}

/// `Policies: [{PolicyName, PolicyDocument}]` on a role, user or group.
fn inline_policies(node: Option<&Node>, cx: &CfnResolver<'_>) -> Vec<InlinePolicy> {
    let Some(node) = node else {
        return Vec::new();
    };
    cx.structures(node)
        .unwrap_or_default()
        .into_iter()
        .flat_map(Node::items)
        .flat_map(|item| cx.structures(item).unwrap_or_default())
        .filter_map(|item| {
            let document = item.get("PolicyDocument")?;
            Some(InlinePolicy {
                name: item.get("PolicyName").map(|n| cx.value(n)),
                document: read_policy(document, PolicyKind::Identity, cx),
            })
        })
        .collect()
}

/// A SAM function or state machine without `Role` gets a generated execution role: trust in
/// the service, `Policies` as its inline and managed policies.
fn read_sam_function(id: ResourceId, props: &Node, cx: &CfnResolver<'_>, model: &mut Model) {
    if props.get("Role").is_some() {
        return;
    }
    let service = if id.kind == "AWS::Serverless::StateMachine" {
        "states.amazonaws.com"
    } else {
        "lambda.amazonaws.com"
    };
    let trust = match props.get("AssumeRolePolicyDocument") {
        Some(node) => read_policy(node, PolicyKind::Trust, cx),
        None => service_trust(service, id.loc),
    };
    let mut inline_policies = Vec::new();
    let mut managed_policy_arns = Vec::new();
    let items = props
        .get("Policies")
        .and_then(|p| cx.structures(p))
        .unwrap_or_default()
        .into_iter()
        .flat_map(Node::items);
    for item in items {
        if item.get("Statement").is_some() {
            inline_policies.push(InlinePolicy {
                name: None,
                document: read_policy(item, PolicyKind::Identity, cx),
            });
        } else if item
            .as_map()
            .is_some_and(|m| !m.iter().any(|e| is_intrinsic(&e.key)))
        {
            // A SAM policy template (`S3ReadPolicy: {BucketName: …}`): scoped by design.
            continue;
        } else {
            for arn in cx.values(item) {
                managed_policy_arns.push(managed_policy_arn(arn));
            }
        }
    }
    model.principals.push(Principal {
        resource: id,
        kind: PrincipalType::Role,
        name: None,
        trust: Some(trust),
        inline_policies,
        managed_policy_arns,
        permissions_boundary: props.get("PermissionsBoundary").map(|n| cx.value(n)),
        groups: Vec::new(),
    });
}

/// SAM accepts an AWS managed policy by bare name.
fn managed_policy_arn(value: Expr) -> Expr {
    match value.as_literal() {
        Some(name) if !name.starts_with("arn:") => {
            Expr::literal(format!("arn:aws:iam::aws:policy/{name}"), value.loc)
        }
        _ => value,
    }
}

/// The trust policy SAM generates: the service may assume the role.
fn service_trust(service: &str, loc: Loc) -> PolicyDocument {
    use crate::model::{Conditions, Effect, PrincipalEntry, PrincipalKind, Principals, Statement};
    PolicyDocument {
        kind: PolicyKind::Trust,
        loc,
        version: Some(Expr::literal("2012-10-17", loc)),
        statements: vec![Statement {
            loc,
            sid: None,
            effect: Effect::Allow,
            effect_loc: loc,
            principal: Some(Principals {
                loc,
                entries: vec![PrincipalEntry {
                    kind: PrincipalKind::Service,
                    value: Expr::literal(service, loc),
                }],
            }),
            not_principal: None,
            action: Some(vec![Expr::literal("sts:AssumeRole", loc)]),
            not_action: None,
            resource: None,
            not_resource: None,
            conditions: Conditions::default(),
        }],
        opaque: false,
    }
}
