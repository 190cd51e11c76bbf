//! Failures that name the log file behind them, a log whose history is incomplete, and a
//! checkpoint that fails to read.
//!
//! The kernel reports what it could not decode ("Json error: Truncated record ...") but not in
//! which commit; delta-spark names the file. On such a failure the commits the read replays are
//! checked, and the first that is not newline-delimited JSON, or whose table schema does not
//! parse, is named: the check costs nothing unless the read has already failed.
//!
//! A checkpoint whose end looks sound can still fail to read (a corrupt page, a sidecar of a v2
//! checkpoint missing or damaged). As delta-spark does, the read is then tried again without it:
//! [`UnreadableCheckpoints`] tells the I/O engine's log listings to leave it out, so the kernel
//! starts from an earlier checkpoint or the commits.

use std::collections::BTreeSet;

use delta_kernel::path::{LogPathFileType, ParsedLogPath};
use delta_kernel::schema::StructType;
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, SnapshotRef, Version};
use parking_lot::Mutex;
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

/// The checkpoints of one kernel call's log listings, and those it gave up as unreadable.
#[derive(Default)]
pub struct UnreadableCheckpoints {
    /// The checkpoint versions the last log listing offered the kernel.
    offered: Mutex<BTreeSet<Version>>,
    unreadable: Mutex<BTreeSet<Version>>,
}

/// How many checkpoints a read gives up before it fails.
const CHECKPOINTS_GIVEN_UP: usize = 2;

impl UnreadableCheckpoints {
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(UnreadableCheckpoints::default())
    }

    /// Records the checkpoint versions a log listing offers (the engine's listing calls this).
    pub fn offer(&self, versions: BTreeSet<Version>) {
        *self.offered.lock() = versions;
    }

    /// Whether the listing must leave out the checkpoint of `version`.
    pub fn is_unreadable(&self, version: Version) -> bool {
        self.unreadable.lock().contains(&version)
    }

    /// Gives up the newest offered checkpoint at or before `until` (any, when `None`): its version,
    /// or `None` when there is none left to give up.
    fn give_up_newest(&self, until: Option<Version>) -> Option<Version> {
        let mut unreadable = self.unreadable.lock();
        if unreadable.len() >= CHECKPOINTS_GIVEN_UP {
            return None;
        }
        let version = self
            .offered
            .lock()
            .iter()
            .rev()
            .find(|&&version| {
                until.is_none_or(|until| version <= until) && !unreadable.contains(&version)
            })
            .copied()?;
        unreadable.insert(version);
        Some(version)
    }
}

/// Whether `error` may come from reading a damaged checkpoint: a failure to read or decode a file,
/// not the kernel refusing the table.
fn may_be_an_unreadable_checkpoint(error: &KernelError) -> bool {
    matches!(
        error.without_backtrace(),
        KernelError::Arrow(_)
            | KernelError::Parquet(_)
            | KernelError::ObjectStore(_)
            | KernelError::IOError(_)
            | KernelError::FileNotFound(_)
            | KernelError::MalformedJson(_)
            | KernelError::MissingColumn(_)
            | KernelError::MissingData(_)
            | KernelError::InvalidCheckpoint(_)
    )
}

/// Runs `read` (a snapshot build or a log replay up to `until`) and, when it fails as an
/// unreadable checkpoint would make it fail, gives up the newest checkpoint and runs it again,
/// until an attempt succeeds or no checkpoint is left to give up: then the first failure, the
/// one that says what is damaged, is reported.
pub fn without_unreadable_checkpoints<T>(
    checkpoints: &UnreadableCheckpoints,
    until: Option<Version>,
    mut read: impl FnMut() -> KernelResult<T>,
) -> KernelResult<T> {
    let first = match read() {
        Err(error) if may_be_an_unreadable_checkpoint(&error) => error,
        done => return done,
    };
    while let Some(version) = checkpoints.give_up_newest(until) {
        tracing::warn!(
            "reading the log failed ({first}); reading it again without the checkpoint of \
             version {version}"
        );
        if let Ok(done) = read() {
            return Ok(done);
        }
    }
    Err(first)
}

#[cfg(test)]
mod tests {
    use delta_kernel::{KernelError, KernelResult};

    use super::{first_problem, without_unreadable_checkpoints, UnreadableCheckpoints};

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

    /// A read failing at its checkpoint, then succeeding without it.
    fn failing_while(
        checkpoints: &UnreadableCheckpoints,
        damaged: u64,
        failure: fn() -> KernelError,
    ) -> impl FnMut() -> KernelResult<u64> + '_ {
        move || {
            if checkpoints.is_unreadable(damaged) {
                Ok(damaged)
            } else {
                Err(failure())
            }
        }
    }

    #[test]
    fn a_read_failing_at_a_checkpoint_is_tried_again_without_it() {
        let checkpoints = UnreadableCheckpoints::default();
        checkpoints.offer([2, 4, 6].into());
        let read = failing_while(&checkpoints, 4, || {
            KernelError::FileNotFound("sidecar".into())
        });
        // Version 6 is past the read's version; 4 is given up, then the read succeeds.
        assert_eq!(
            without_unreadable_checkpoints(&checkpoints, Some(5), read).ok(),
            Some(4)
        );
        assert!(checkpoints.is_unreadable(4) && !checkpoints.is_unreadable(2));
    }

    #[test]
    fn a_refusal_is_not_tried_again() {
        let checkpoints = UnreadableCheckpoints::default();
        checkpoints.offer([2].into());
        let read = failing_while(&checkpoints, 2, || {
            KernelError::Unsupported("feature".into())
        });
        let error = without_unreadable_checkpoints(&checkpoints, None, read).err();
        assert!(matches!(error, Some(KernelError::Unsupported(_))));
        assert!(!checkpoints.is_unreadable(2));
    }

    #[test]
    fn the_first_failure_is_reported_when_no_checkpoint_helps() {
        let checkpoints = UnreadableCheckpoints::default();
        checkpoints.offer([1, 2, 3].into());
        let mut attempts = 0;
        let error = without_unreadable_checkpoints(&checkpoints, None, || -> KernelResult<()> {
            attempts += 1;
            Err(KernelError::FileNotFound(format!("attempt {attempts}")))
        })
        .err();
        assert!(matches!(error, Some(KernelError::FileNotFound(what)) if what == "attempt 1"));
        // Two checkpoints given up, three attempts in all.
        assert_eq!(attempts, 3);
    }
}
