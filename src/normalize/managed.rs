//! The AWS managed policies the catalog ships, read as policy documents once, on first use,
//! by the same policy reader as templates: the graph's effective permissions and the rules that
//! judge an attached managed policy see one reading of each document.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::model::{PolicyDocument, PolicyKind};
use crate::normalize::intrinsics::CfnResolver;
use crate::normalize::policy::read_policy;
use crate::source::FileId;

static AWS_MANAGED: LazyLock<HashMap<&'static str, PolicyDocument>> = LazyLock::new(|| {
    crate::catalog::managed_policies()
        .iter()
        .filter_map(|policy| Some((policy.name, read_document(policy.document)?)))
        .collect()
});

/// A policy document given as JSON text; `None` when it is not JSON.
pub fn read_document(text: &str) -> Option<PolicyDocument> {
    let (root, _) = crate::parse::parse_json(text).ok()?;
    let root = root?;
    let resolver = CfnResolver::new(FileId(0), &root);
    Some(read_policy(&root, PolicyKind::Identity, &resolver))
}

/// The document of an AWS managed policy by name, when the catalog ships it.
pub fn aws_managed_document(name: &str) -> Option<&'static PolicyDocument> {
    AWS_MANAGED.get(name)
}
