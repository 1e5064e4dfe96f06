//! ESC: privilege escalation over the graph.

pub mod external_path_to_admin;
