//! IAM knowledge several rules share: which federated principal is which provider, which
//! condition key pins its audience, which actions assume a role.

pub use crate::model::federation::{COGNITO, Federated, classify_federated, classify_federated_in};
use crate::model::{Expr, Model, Principal, Statement};

pub const ASSUME_ROLE: &str = "sts:AssumeRole";
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
pub const ASSUME_ROLE_WITH_SAML: &str = "sts:AssumeRoleWithSAML";

/// Allow statements of every role trust policy.
pub fn trust_allow_statements(model: &Model) -> impl Iterator<Item = (&Principal, &Statement)> {
    model
        .trust_policies()
        .flat_map(|(role, doc)| doc.statements.iter().map(move |s| (role, s)))
        .filter(|(_, s)| s.is_allow())
}

/// How a principal is named in messages: its IAM name when literal, else its resource.
pub fn principal_label(principal: &Principal) -> String {
    principal
        .name
        .as_ref()
        .and_then(Expr::as_literal)
        .filter(|name| !name.is_empty())
        .map_or_else(|| principal.resource.name.clone(), str::to_owned)
}
