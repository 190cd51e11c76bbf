//! Failures that name the log file behind them, and a log whose history is incomplete.
//!
//! The kernel reports what it could not decode ("Json error: Truncated record ...") but not in
//! which commit; delta-spark names the file. On such a failure the commits the read replays are
//! checked, and the first that is not newline-delimited JSON, or whose table schema does not
//! parse, is named: the check costs nothing unless the read has already failed.

use delta_kernel::path::{LogPathFileType, ParsedLogPath};
use delta_kernel::schema::StructType;
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, SnapshotRef, Version};
use url::Url;

/// A commit file the kernel cannot decode.
#[derive(Debug)]
pub struct DamagedCommit {
    pub file: Url,
    /// Where and why it does not parse.
    pub problem: String,
    pub source: KernelError,
}

impl std::fmt::Display for DamagedCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commit file {} is damaged: {} ({})",
            self.file, self.problem, self.source
        )
    }
}

impl std::error::Error for DamagedCommit {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// `error`, naming the damaged commit behind it when it is a decoding failure and a commit up
/// to `until` (the latest when `None`) after the newest checkpoint is damaged.
pub fn name_damaged_commit(
    engine: &dyn Engine,
    table_root: &Url,
    until: Option<Version>,
    error: KernelError,
) -> KernelError {
    if !matches!(
        error.without_backtrace(),
        KernelError::Arrow(_) | KernelError::MalformedJson(_)
    ) {
        return error;
    }
    match damaged_commit(engine, table_root, until) {
        Ok(Some((file, problem))) => KernelError::generic_err(DamagedCommit {
            file,
            problem,
            source: error,
        }),
        Ok(None) => error,
        Err(diagnosis) => {
            tracing::debug!("could not look for a damaged commit: {diagnosis}");
            error
        }
    }
}

/// The first commit (and what is wrong with it) after the newest checkpoint up to `until` that
/// does not parse.
fn damaged_commit(
    engine: &dyn Engine,
    table_root: &Url,
    until: Option<Version>,
) -> KernelResult<Option<(Url, String)>> {
    let storage = engine.storage_handler();
    let mut commits = Vec::new();
    for file in storage.list_from(&table_root.join("_delta_log/")?)? {
        let Some(parsed) = ParsedLogPath::try_from(file?)? else {
            continue;
        };
        if until.is_some_and(|until| parsed.version > until) {
            break;
        }
        match parsed.file_type {
            LogPathFileType::Commit => commits.push(parsed),
            LogPathFileType::ClassicCheckpoint
            | LogPathFileType::UuidCheckpoint
            | LogPathFileType::MultiPartCheckpoint { .. } => {
                commits.retain(|commit| commit.version > parsed.version)
            }
            _ => {}
        }
    }
    for commit in commits {
        let url = commit.location.location.clone();
        let Some(bytes) = storage.read_files(vec![(url.clone(), None)])?.next() else {
            continue;
        };
        if let Some(problem) = first_problem(&bytes?) {
            return Ok(Some((url, problem)));
        }
    }
    Ok(None)
}

/// The first line of a commit's newline-delimited JSON `bytes` that is not an action the kernel
/// can decode: not a JSON object, or a `metaData` whose `schemaString` is not a schema.
fn first_problem(bytes: &[u8]) -> Option<String> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .find_map(|(index, line)| {
            let line_number = index + 1;
            let action = match serde_json::from_slice::<serde_json::Map<_, _>>(line) {
                Ok(action) => action,
                Err(e) => return Some(format!("line {line_number} is not a JSON object: {e}")),
            };
            let schema = action.get("metaData")?.get("schemaString")?.as_str()?;
            serde_json::from_str::<StructType>(schema).err().map(|e| {
                format!("line {line_number}: metaData.schemaString is not a table schema: {e}")
            })
        })
}

/// The log holds no checkpoint and its commits do not start at version 0: the history before
/// its first commit is gone, and no snapshot can be built from what is left.
#[derive(Debug)]
pub struct MissingHistory {
    pub first_commit: Version,
}

impl std::fmt::Display for MissingHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the log's first commit is version {} and no checkpoint covers the versions before \
             it: commits 0 to {} are missing",
            self.first_commit,
            self.first_commit.saturating_sub(1)
        )
    }
}

impl std::error::Error for MissingHistory {}

/// `snapshot`, unless its log segment starts after version 0 without a checkpoint. The kernel
/// accepts any contiguous run of commits; delta-spark refuses one that starts later, since the
/// actions before it are lost (a log cleaned up past its last checkpoint, a checkpoint deleted).
pub fn require_complete_history(snapshot: SnapshotRef) -> KernelResult<SnapshotRef> {
    match first_commit_without_checkpoint(&snapshot) {
        Some(first_commit) if first_commit > 0 => {
            Err(KernelError::generic_err(MissingHistory { first_commit }))
        }
        _ => Ok(snapshot),
    }
}

fn first_commit_without_checkpoint(snapshot: &Snapshot) -> Option<Version> {
    let segment = snapshot.log_segment();
    if segment.checkpoint_version.is_some() {
        return None;
    }
    segment
        .listed
        .ascending_commit_files
        .first()
        .map(|commit| commit.version)
}

#[cfg(test)]
mod tests {
    use super::first_problem;

    #[test]
    fn undecodable_lines_are_found() {
        assert_eq!(first_problem(b"{\"a\":1}\n{\"b\":2}\n"), None);
        assert_eq!(first_problem(b"{\"a\":1}\r\n\n"), None);
        let truncated = first_problem(b"{\"a\":1}\n{\"b\":\"tru");
        assert!(truncated.is_some_and(|p| p.starts_with("line 2 ")));
        assert!(first_problem(b"[1]").is_some(), "an action is an object");
        let schema = r#"{\"type\":\"struct\",\"fields\":[]}"#;
        let good = format!(r#"{{"metaData":{{"schemaString":"{schema}"}}}}"#);
        assert_eq!(first_problem(good.as_bytes()), None);
        let bad = first_problem(br#"{"metaData":{"schemaString":"{not a schema"}}"#);
        assert!(bad.is_some_and(|p| p.contains("schemaString")));
    }
}
