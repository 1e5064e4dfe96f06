//! WIF: web identity and federation trust.

pub mod web_identity_trust_without_audience;
