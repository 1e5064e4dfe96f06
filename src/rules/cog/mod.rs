//! COG: Cognito identity and user pools.

pub mod identity_pool_allows_unauthenticated;
pub mod identity_pool_classic_flow;
pub mod identity_pool_role_trust_mismatch;
pub mod unauthenticated_role_overprivileged;
pub mod user_pool_weak_sign_in;
