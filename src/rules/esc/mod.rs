//! ESC: privilege escalation over the graph.

pub mod external_path_to_admin;
pub mod privilege_escalation_permissions;
