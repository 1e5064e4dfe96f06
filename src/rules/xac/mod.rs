//! XAC: cross-account and public access.

pub mod any_aws_principal_trust;
