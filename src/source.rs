//! Source texts and positions.
//!
//! Every value the linter reasons about carries a [`Loc`]: a file id plus a byte range in that
//! file's text. Line and column are derived here, only when a report is written, so the parse
//! and analysis stages never deal with line numbers. This module knows nothing of YAML, JSON or
//! IAM.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { start, end }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A position in a scanned file: which file, which bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// 1-based line and column; the column counts Unicode scalar values, as SARIF's
/// `unicodeCodePoints` column kind and GitHub annotations expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One input file's text, with a line table built once.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the walk found it (used to read the file).
    pub path: PathBuf,
    /// The path as reports show it: relative to the working directory when below it.
    pub display: String,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        SourceFile {
            path,
            display,
            text,
            line_starts,
        }
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0) as usize;
        let column = self
            .text
            .get(line_start..offset as usize)
            .map_or(offset as usize - line_start, |s| s.chars().count());
        LineCol {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The text of one line (1-based), without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line.wrapping_sub(1)).copied();
        let end = self.line_starts.get(line).copied();
        match start {
            Some(start) => {
                let end = end.map_or(self.text.len(), |e| e as usize);
                self.text
                    .get(start as usize..end)
                    .unwrap_or("")
                    .trim_end_matches(['\n', '\r'])
            }
            None => "",
        }
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.line_starts.get(line.wrapping_sub(1)).copied()
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, file: Arc<SourceFile>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// How a path is shown in reports: relative to `cwd` when below it, else as given.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let shown = cwd
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    let shown = shown.strip_prefix("./").unwrap_or(shown);
    shown.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t".into(), "t".into(), Arc::from(text))
    }

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = file("ab\ncé d\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'd' is at byte 7 (c=3, é=4..6, space=6? no: é is two bytes 4,5; space 6; d 7)
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_text(2), "cé d");
    }

    #[test]
    fn display_path_strips_cwd() {
        let cwd = Path::new("/repo");
        assert_eq!(
            display_path(Path::new("/repo/a/b.yaml"), Some(cwd)),
            "a/b.yaml"
        );
        assert_eq!(
            display_path(Path::new("/other/b.yaml"), Some(cwd)),
            "/other/b.yaml"
        );
        assert_eq!(display_path(Path::new("./x.yaml"), None), "x.yaml");
    }
}
