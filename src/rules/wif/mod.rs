//! WIF: web identity and federation trust.

pub mod cognito_trust_without_amr;
pub mod oidc_trust_without_subject;
pub mod saml_trust_without_audience;
pub mod web_identity_trust_without_audience;
pub mod wildcard_federated_principal;
