//! POL: policy hygiene — what a policy grants and how it is written and attached.

pub mod allow_not_action;
pub mod allow_not_principal;
pub mod full_admin_policy;
pub mod inline_policy_overuse;
pub mod malformed_policy;
pub mod passrole_unrestricted;
pub mod privileged_managed_policy;
pub mod service_wildcard_on_all_resources;
pub mod unknown_action;
pub mod user_with_direct_policies;
pub mod write_on_all_resources;
