//! SUP: the suppressions themselves.

pub mod suppression_without_reason;
