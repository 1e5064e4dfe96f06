//! Spanned trees → one IAM [`Model`].
//!
//! CloudFormation (with SAM and CDK) and Terraform (configuration and plans) are read here and
//! only here; what comes out uses IAM nouns. CloudFormation templates stand alone, so they are
//! normalized one per task in parallel. Terraform configuration files of one folder form a
//! module whose references cross files, so they are normalized together.

pub mod cfn;
mod comments;
pub mod intrinsics;
pub mod managed;
pub mod policy;
pub mod terraform;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use crate::input::{Document, InputError};
use crate::model::{DuplicateKey, Format, Model};
use crate::source::{FileId, Loc};

/// Normalize every parsed document. Problems in one document (a `Resources` that is not a
/// mapping…) become errors for that file; the others are still read.
pub fn normalize_all(documents: &[(FileId, Document)]) -> (Model, Vec<InputError>) {
    let mut modules: BTreeMap<&Path, Vec<(FileId, &Document)>> = BTreeMap::new();
    let mut standalone = Vec::new();
    for (id, document) in documents {
        if document.format == Format::TerraformConfig {
            let folder = document.source.path.parent().unwrap_or(Path::new(""));
            modules.entry(folder).or_default().push((*id, document));
        } else {
            standalone.push((*id, document));
        }
    }
    let per_file: Vec<(Model, Vec<InputError>)> = standalone
        .par_iter()
        .map(|(id, document)| {
            let result = match document.format {
                Format::TerraformPlan => terraform::normalize_plan(*id, document),
                _ => cfn::normalize(*id, &document.root)
                    .map(|mut model| {
                        model
                            .suppressions
                            .extend(comments::suppressions(*id, &document.source));
                        model
                    })
                    .map_err(|e| vec![InputError::from_parse(&document.source, e)]),
            };
            match result {
                Ok(model) => (model, Vec::new()),
                Err(errors) => (Model::default(), errors),
            }
        })
        .chain(
            modules
                .into_values()
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|files| terraform::normalize_module(&files)),
        )
        .collect();
    // Duplicate keys are found by the parser in any format; the model keeps them for the rule
    // that reports them.
    let duplicate_keys = documents
        .iter()
        .flat_map(|(id, document)| {
            document.duplicate_keys.iter().map(move |d| DuplicateKey {
                message: d.message.clone(),
                loc: Loc::new(*id, d.span),
            })
        })
        .collect();
    let mut model = Model {
        duplicate_keys,
        ..Model::default()
    };
    let mut errors = Vec::new();
    for (part, part_errors) in per_file {
        model.extend(part);
        errors.extend(part_errors);
    }
    (model, errors)
}
