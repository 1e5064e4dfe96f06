//! Which files to read.
//!
//! Walks the given paths with the `ignore` crate (the walker ripgrep uses): `.gitignore` is
//! honoured, hidden folders, `node_modules`, `.terraform` and `cdk.out/asset.*` are skipped,
//! symlinks are followed with loop detection. Files named on the command line are always read.
//! Nothing here opens a file; deciding what a file is happens in [`crate::input`].

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::config::Exclude;
use crate::input::InputError;

/// A file to read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: an unrecognized file is an error, not a skip.
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub candidates: Vec<Candidate>,
    pub errors: Vec<InputError>,
}

/// How files named on the command line are treated. By default they are always read, and one
/// that is not a template is an error; a pre-commit hook passes every staged YAML or JSON file
/// and may want them treated like files found by walking a folder.
#[derive(Clone, Copy, Debug, Default)]
pub struct NamedFiles {
    /// `scan.exclude` applies to them too (`--force-exclude`).
    pub force_exclude: bool,
    /// One that is not a template is skipped, not an error (`--skip-unrecognized`).
    pub skip_unrecognized: bool,
}

/// Folder names never descended into.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".terraform"];

pub fn discover(paths: &[PathBuf], exclude: &Exclude, named: NamedFiles) -> Discovery {
    let mut discovery = Discovery::default();
    for root in paths {
        if !root.exists() && root.symlink_metadata().is_err() {
            discovery.errors.push(InputError::whole_file(
                root,
                "no such file or directory".to_owned(),
            ));
            continue;
        }
        if root.is_file() {
            if named.force_exclude && exclude.is_match(root) {
                continue;
            }
            discovery.candidates.push(Candidate {
                path: root.clone(),
                explicit: !named.skip_unrecognized,
            });
            continue;
        }
        walk(root, exclude, &mut discovery);
    }
    // A file both named and found by walking a named folder counts as named: explicit first,
    // then `dedup_by` keeps the first of each path.
    discovery
        .candidates
        .sort_by(|a, b| a.path.cmp(&b.path).then(b.explicit.cmp(&a.explicit)));
    discovery.candidates.dedup_by(|a, b| a.path == b.path);
    discovery
}

fn walk(root: &Path, exclude: &Exclude, discovery: &mut Discovery) {
    let exclude = exclude.clone();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(true)
        .follow_links(true)
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && SKIPPED_DIRS.contains(&name.as_ref()) {
                return false;
            }
            if is_dir && name.starts_with("asset.") {
                let in_cdk_out = entry
                    .path()
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|p| p == "cdk.out");
                if in_cdk_out {
                    return false;
                }
            }
            !exclude.is_match(entry.path())
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    discovery.candidates.push(Candidate {
                        path: entry.into_path(),
                        explicit: false,
                    });
                }
            }
            Err(err) => discovery.errors.push(walk_error(root, err)),
        }
    }
}

fn walk_error(root: &Path, err: ignore::Error) -> InputError {
    let path = error_path(&err).unwrap_or(root).to_path_buf();
    let message = match &err {
        ignore::Error::WithPath { err, .. } => err.to_string(),
        ignore::Error::WithDepth { err, .. } => match err.as_ref() {
            ignore::Error::WithPath { err, .. } => err.to_string(),
            other => other.to_string(),
        },
        other => other.to_string(),
    };
    InputError::whole_file(&path, message)
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}
