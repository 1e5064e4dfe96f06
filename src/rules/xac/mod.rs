//! XAC: cross-account and public access.

pub mod any_aws_principal_trust;
pub mod cross_account_trust_unscoped;
pub mod public_resource_policy;
pub mod resource_policy_external_account;
pub mod service_principal_without_source;
pub mod third_party_trust_without_external_id;
