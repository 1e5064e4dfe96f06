//! The provider-neutral IAM model.
//!
//! CloudFormation and Terraform both normalize into these types; rules and the graph read only
//! them. Names are IAM nouns, never format nouns. Every item keeps the [`ResourceId`] it came
//! from and [`Loc`]s for the values rules point at.

pub mod expr;
pub mod federation;
pub mod policy;

pub use expr::{AccountRef, Expr, Part, Symbol};
pub use policy::{
    Condition, Conditions, Effect, PolicyDocument, PolicyKind, PrincipalEntry, PrincipalKind,
    Principals, Statement,
};

use crate::source::{FileId, Loc};

/// Which input dialect a file was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    CloudFormation,
    /// A template with the `AWS::Serverless-2016-10-31` transform.
    Sam,
    /// A CDK-synthesized template (`aws:cdk:path` metadata).
    Cdk,
    TerraformConfig,
    TerraformPlan,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::CloudFormation => "cloudformation",
            Format::Sam => "sam",
            Format::Cdk => "cdk",
            Format::TerraformConfig => "terraform",
            Format::TerraformPlan => "terraform-plan",
        }
    }
}

/// The resource (CloudFormation logical id, Terraform address) an item was declared by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    pub file: FileId,
    /// Logical id or Terraform address (`aws_iam_role.app`, `module.x.aws_iam_role.y[0]`).
    pub name: String,
    /// Resource type as written (`AWS::IAM::Role`, `aws_iam_role`).
    pub kind: String,
    /// The resource's key (logical id) or block.
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalType {
    Role,
    User,
    Group,
}

/// An inline policy embedded in or dedicated to one or more principals.
#[derive(Clone, Debug, PartialEq)]
pub struct InlinePolicy {
    pub name: Option<Expr>,
    pub document: PolicyDocument,
}

/// An IAM role, user or group.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub resource: ResourceId,
    pub kind: PrincipalType,
    /// `RoleName`/`UserName`/`GroupName` or Terraform `name`, when set.
    pub name: Option<Expr>,
    /// Roles only.
    pub trust: Option<PolicyDocument>,
    /// Policies embedded in the principal itself (`Policies`, `inline_policy`).
    pub inline_policies: Vec<InlinePolicy>,
    /// `ManagedPolicyArns` / `managed_policy_arns`, as written.
    pub managed_policy_arns: Vec<Expr>,
    pub permissions_boundary: Option<Expr>,
    /// Users only: the groups named on the user.
    pub groups: Vec<Expr>,
}

/// A policy declared as a resource of its own: a customer managed policy, or an inline policy
/// resource attached to principals (`AWS::IAM::Policy`, `aws_iam_role_policy`).
#[derive(Clone, Debug, PartialEq)]
pub struct StandalonePolicy {
    pub resource: ResourceId,
    pub managed: bool,
    pub name: Option<Expr>,
    pub document: PolicyDocument,
    pub roles: Vec<Expr>,
    pub users: Vec<Expr>,
    pub groups: Vec<Expr>,
}

/// A separate attachment of a managed policy to a principal (`aws_iam_role_policy_attachment`,
/// group memberships…).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyAttachment {
    pub resource: ResourceId,
    pub principal_kind: PrincipalType,
    pub principal: Expr,
    pub policy_arn: Expr,
}

/// `aws_iam_user_group_membership`, `aws_iam_group_membership`, `AWS::IAM::UserToGroupAddition`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupMembership {
    pub resource: ResourceId,
    pub group: Expr,
    pub users: Vec<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    Oidc,
    Saml,
}

/// An OIDC or SAML identity provider declared in the templates.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityProvider {
    pub resource: ResourceId,
    pub kind: ProviderKind,
    /// OIDC: issuer URL. SAML: provider name.
    pub url_or_name: Option<Expr>,
    pub client_ids: Vec<Expr>,
}

/// A boolean property with where it was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub value: bool,
    pub loc: Loc,
}

/// `Option<Flag>` read as a boolean that defaults to false.
pub trait ModelFlagExt {
    fn is_true(&self) -> bool;
}

impl ModelFlagExt for Option<Flag> {
    fn is_true(&self) -> bool {
        self.is_some_and(|f| f.value)
    }
}

/// A user pool client an identity pool accepts tokens from.
#[derive(Clone, Debug, PartialEq)]
pub struct CognitoProviderRef {
    pub client_id: Option<Expr>,
    pub provider_name: Option<Expr>,
    pub loc: Loc,
}

/// `AWS::Cognito::IdentityPool` / `aws_cognito_identity_pool`.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityPool {
    pub resource: ResourceId,
    pub name: Option<Expr>,
    pub allow_unauthenticated: Option<Flag>,
    pub allow_classic_flow: Option<Flag>,
    pub cognito_providers: Vec<CognitoProviderRef>,
    pub openid_provider_arns: Vec<Expr>,
    pub saml_provider_arns: Vec<Expr>,
}

/// `AWS::Cognito::IdentityPoolRoleAttachment` / `aws_cognito_identity_pool_roles_attachment`.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolRoleAttachment {
    pub resource: ResourceId,
    pub pool: Expr,
    pub authenticated: Option<Expr>,
    pub unauthenticated: Option<Expr>,
    /// Roles chosen by role-mapping rules.
    pub mapped_roles: Vec<Expr>,
}

/// `AWS::Cognito::UserPool` / `aws_cognito_user_pool`.
#[derive(Clone, Debug, PartialEq)]
pub struct UserPool {
    pub resource: ResourceId,
    pub name: Option<Expr>,
    /// `MfaConfiguration` / `mfa_configuration` as written (`OFF`, `ON`, `OPTIONAL`).
    pub mfa: Option<Expr>,
    pub password_policy: Option<PasswordPolicy>,
    /// `AllowAdminCreateUserOnly: false` (or unset) lets anyone sign up.
    pub admin_create_only: Option<Flag>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PasswordPolicy {
    pub loc: Loc,
    pub minimum_length: Option<Expr>,
    pub require_lowercase: Option<Flag>,
    pub require_uppercase: Option<Flag>,
    pub require_numbers: Option<Flag>,
    pub require_symbols: Option<Flag>,
}

/// `AWS::Cognito::UserPoolClient` / `aws_cognito_user_pool_client`.
#[derive(Clone, Debug, PartialEq)]
pub struct UserPoolClient {
    pub resource: ResourceId,
    pub user_pool: Expr,
}

/// What kind of resource a resource policy protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceService {
    S3,
    Sqs,
    Sns,
    Kms,
    SecretsManager,
    Ecr,
    OpenSearch,
    Lambda,
    Other,
}

/// A policy attached to a resource (bucket policy, key policy…).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourcePolicy {
    pub resource: ResourceId,
    pub service: ResourceService,
    pub document: PolicyDocument,
}

/// `AWS::Lambda::Permission` / `aws_lambda_permission`: a one-statement resource policy written
/// as properties.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaPermission {
    pub resource: ResourceId,
    pub principal: Expr,
    pub action: Option<Expr>,
    pub function: Option<Expr>,
    pub source_account: Option<Expr>,
    pub source_arn: Option<Expr>,
    pub principal_org_id: Option<Expr>,
}

/// A CloudFormation `Outputs` export, for `Fn::ImportValue` links across stacks.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    pub file: FileId,
    pub name: Expr,
    pub value: Expr,
}

/// A key written twice in one mapping of a template: the earlier value is silently replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateKey {
    /// What the parser said, naming the key.
    pub message: String,
    /// The later key, whose value is the one deployed.
    pub loc: Loc,
}

/// A suppression written in a template, for one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub file: FileId,
    pub target: SuppressionTarget,
    /// Code or name, as written.
    pub rule: String,
    pub reason: Option<String>,
    pub loc: Loc,
}

/// What a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuppressionTarget {
    /// Findings on one resource (CloudFormation `Metadata`, Terraform `"//"`).
    Resource(String),
    /// Findings on this 1-based line or the next one (a `# iamlint: ignore[…]` comment).
    Line(usize),
}

/// One file's contribution, or the merge of all files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub principals: Vec<Principal>,
    pub policies: Vec<StandalonePolicy>,
    pub attachments: Vec<PolicyAttachment>,
    pub memberships: Vec<GroupMembership>,
    pub providers: Vec<IdentityProvider>,
    pub identity_pools: Vec<IdentityPool>,
    pub pool_role_attachments: Vec<PoolRoleAttachment>,
    pub user_pools: Vec<UserPool>,
    pub user_pool_clients: Vec<UserPoolClient>,
    pub resource_policies: Vec<ResourcePolicy>,
    pub lambda_permissions: Vec<LambdaPermission>,
    pub exports: Vec<Export>,
    pub suppressions: Vec<Suppression>,
    pub duplicate_keys: Vec<DuplicateKey>,
}

impl Model {
    pub fn extend(&mut self, other: Model) {
        let Model {
            principals,
            policies,
            attachments,
            memberships,
            providers,
            identity_pools,
            pool_role_attachments,
            user_pools,
            user_pool_clients,
            resource_policies,
            lambda_permissions,
            exports,
            suppressions,
            duplicate_keys,
        } = other;
        self.principals.extend(principals);
        self.policies.extend(policies);
        self.attachments.extend(attachments);
        self.memberships.extend(memberships);
        self.providers.extend(providers);
        self.identity_pools.extend(identity_pools);
        self.pool_role_attachments.extend(pool_role_attachments);
        self.user_pools.extend(user_pools);
        self.user_pool_clients.extend(user_pool_clients);
        self.resource_policies.extend(resource_policies);
        self.lambda_permissions.extend(lambda_permissions);
        self.exports.extend(exports);
        self.suppressions.extend(suppressions);
        self.duplicate_keys.extend(duplicate_keys);
    }

    /// Every policy document with the resource that holds it: trust policies, inline and
    /// standalone policies, resource policies.
    pub fn documents(&self) -> impl Iterator<Item = (&ResourceId, &PolicyDocument)> {
        let of_principals = self.principals.iter().flat_map(|p| {
            p.trust
                .iter()
                .chain(p.inline_policies.iter().map(|i| &i.document))
                .map(move |d| (&p.resource, d))
        });
        let standalone = self.policies.iter().map(|p| (&p.resource, &p.document));
        let of_resources = self
            .resource_policies
            .iter()
            .map(|p| (&p.resource, &p.document));
        of_principals.chain(standalone).chain(of_resources)
    }

    /// Every role trust policy with its role.
    pub fn trust_policies(&self) -> impl Iterator<Item = (&Principal, &PolicyDocument)> {
        self.principals
            .iter()
            .filter_map(|p| p.trust.as_ref().map(|t| (p, t)))
    }
}
