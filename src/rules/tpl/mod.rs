//! TPL: the template text itself.

pub mod duplicate_key;
