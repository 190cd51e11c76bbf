//! Which version a timestamp names: delta-spark's rules for `timestampAsOf` and for a change
//! feed's `startingTimestamp` / `endingTimestamp`, in one place.
//!
//! delta-spark treats commit times as strictly increasing: a commit whose time is not after its
//! predecessor's counts as 1 ms after it ("monotonized"). The kernel's search monotonizes too, but
//! first compares the timestamp with the latest commit's *raw* time, so three commits sharing a
//! modification time all resolve to the latest one (and later instants fail). Here:
//!
//! - file modification times (tables without in-commit timestamps, and the commits before they
//!   were enabled) are listed from the earliest recreatable commit and monotonized, as delta-spark's
//!   `DeltaHistoryManager` does;
//! - in-commit timestamps (monotonic by the protocol) are searched by the kernel;
//! - a timestamp before the earliest commit, or after the latest one, is an error naming both.

use delta_kernel::history_manager::{
    first_version_after, get_earliest_commit, latest_version_as_of, HistoryCommitType,
};
use delta_kernel::path::{LogPathFileType, ParsedLogPath};
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, Version};

/// A commit and its (monotonized) time in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commit {
    pub version: Version,
    pub millis: i64,
}

/// A requested timestamp outside the table's history.
#[derive(Debug)]
pub enum TimestampOutOfRange {
    BeforeEarliest { requested: i64, earliest: Commit },
    AfterLatest { requested: i64, latest: Commit },
}

impl std::fmt::Display for TimestampOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimestampOutOfRange::BeforeEarliest {
                requested,
                earliest,
            } => write!(
                f,
                "the timestamp {} is before the earliest version available, version {} \
                 (committed at {}): use a later timestamp",
                iso(*requested),
                earliest.version,
                iso(earliest.millis)
            ),
            TimestampOutOfRange::AfterLatest { requested, latest } => write!(
                f,
                "the timestamp {} is after the latest commit, version {} (committed at {}): \
                 read that version with versionAsOf {} or its exact commit timestamp",
                iso(*requested),
                latest.version,
                iso(latest.millis),
                latest.version
            ),
        }
    }
}

impl std::error::Error for TimestampOutOfRange {}

/// Milliseconds since the epoch as an ISO-8601 UTC instant.
pub fn iso(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| format!("{millis} ms since the epoch"))
}

fn out_of_range(error: TimestampOutOfRange) -> KernelError {
    KernelError::generic_err(error)
}

/// The version `millis` names on the table whose latest snapshot is `latest`: the last commit at
/// or before it.
pub fn version_at(engine: &dyn Engine, latest: &Snapshot, millis: i64) -> KernelResult<Version> {
    let properties = latest.table_properties();
    if properties.enable_in_commit_timestamps == Some(true) {
        match (
            properties.in_commit_timestamp_enablement_version,
            properties.in_commit_timestamp_enablement_timestamp,
        ) {
            // Enabled at creation, or `millis` falls in the commits that carry them.
            (None, _) => return in_commit_timestamp_version(engine, latest, millis),
            (Some(_), Some(enabled_at)) if millis >= enabled_at => {
                return in_commit_timestamp_version(engine, latest, millis)
            }
            // Before enablement: the commits before it, by modification time.
            (Some(enabled_in), _) => {
                let commits = monotonized_commits(engine, latest, enabled_in.saturating_sub(1))?;
                return last_commit_at(&commits, millis, None).map(|c| c.version);
            }
        }
    }
    let commits = monotonized_commits(engine, latest, latest.version())?;
    last_commit_at(&commits, millis, Some(latest.version())).map(|c| c.version)
}

/// The first commit at or after `millis` on the table whose latest snapshot is `latest` (where a
/// change feed by timestamp starts, as in delta-spark); a time after the latest commit is an
/// error, one before the earliest names the earliest.
pub fn first_version_from(
    engine: &dyn Engine,
    latest: &Snapshot,
    millis: i64,
) -> KernelResult<Version> {
    let properties = latest.table_properties();
    if properties.enable_in_commit_timestamps == Some(true) {
        match (
            properties.in_commit_timestamp_enablement_version,
            properties.in_commit_timestamp_enablement_timestamp,
        ) {
            (Some(enabled_in), Some(enabled_at)) if millis < enabled_at => {
                // Before enablement: the commits before it by modification time, else the
                // enablement commit itself.
                let commits = monotonized_commits(engine, latest, enabled_in.saturating_sub(1))?;
                return Ok(first_commit_from(&commits, millis).unwrap_or(enabled_in));
            }
            _ => {
                let latest_commit = Commit {
                    version: latest.version(),
                    millis: latest.get_timestamp(engine)?,
                };
                if millis > latest_commit.millis {
                    return Err(out_of_range(TimestampOutOfRange::AfterLatest {
                        requested: millis,
                        latest: latest_commit,
                    }));
                }
                return first_version_after(latest, engine, millis, HistoryCommitType::Recreatable)
                    .map(|commit| commit.version);
            }
        }
    }
    let commits = monotonized_commits(engine, latest, latest.version())?;
    match (first_commit_from(&commits, millis), commits.last()) {
        (Some(version), _) => Ok(version),
        (None, Some(last)) => Err(out_of_range(TimestampOutOfRange::AfterLatest {
            requested: millis,
            latest: *last,
        })),
        (None, None) => Err(KernelError::generic(
            "the table has no commit files to resolve a timestamp against",
        )),
    }
}

fn first_commit_from(commits: &[Commit], millis: i64) -> Option<Version> {
    commits
        .iter()
        .find(|commit| commit.millis >= millis)
        .map(|commit| commit.version)
}

/// The commits from the earliest recreatable one to `until`, with delta-spark's monotonized
/// modification times.
fn monotonized_commits(
    engine: &dyn Engine,
    latest: &Snapshot,
    until: Version,
) -> KernelResult<Vec<Commit>> {
    let log_root = latest.table_root().join("_delta_log/")?;
    let earliest = get_earliest_commit(engine, &log_root, None, HistoryCommitType::Recreatable)?;
    // Listing is strictly after this name, so `<earliest>.json` itself is included.
    let from = log_root.join(&format!("{earliest:020}"))?;
    let mut listed: Vec<Commit> = Vec::new();
    for file in engine.storage_handler().list_from(&from)? {
        let Some(parsed) = ParsedLogPath::try_from(file?)? else {
            continue;
        };
        if parsed.version > until {
            break;
        }
        if parsed.version >= earliest && matches!(parsed.file_type, LogPathFileType::Commit) {
            listed.push(Commit {
                version: parsed.version,
                millis: parsed.location.last_modified,
            });
        }
    }
    Ok(monotonize(listed))
}

/// Commit times (ascending versions) made strictly increasing: a commit not later than its
/// predecessor counts as 1 ms after it.
pub fn monotonize(mut commits: Vec<Commit>) -> Vec<Commit> {
    for i in 1..commits.len() {
        let previous = commits[i - 1].millis;
        if commits[i].millis <= previous {
            commits[i].millis = previous + 1;
        }
    }
    commits
}

/// The last of `commits` (ascending) at or before `millis`. With `latest` (the table's latest
/// version is the last of `commits`), a time after it is an error, as in delta-spark.
fn last_commit_at(
    commits: &[Commit],
    millis: i64,
    latest: Option<Version>,
) -> KernelResult<Commit> {
    let Some(first) = commits.first() else {
        return Err(KernelError::generic(
            "the table has no commit files to resolve a timestamp against",
        ));
    };
    let Some(found) = commits.iter().take_while(|c| c.millis <= millis).last() else {
        return Err(out_of_range(TimestampOutOfRange::BeforeEarliest {
            requested: millis,
            earliest: *first,
        }));
    };
    if latest == Some(found.version) && found.millis < millis {
        return Err(out_of_range(TimestampOutOfRange::AfterLatest {
            requested: millis,
            latest: *found,
        }));
    }
    Ok(*found)
}

/// The kernel's search over in-commit timestamps, with delta-spark's errors at both ends.
fn in_commit_timestamp_version(
    engine: &dyn Engine,
    latest: &Snapshot,
    millis: i64,
) -> KernelResult<Version> {
    let latest_commit = Commit {
        version: latest.version(),
        millis: latest.get_timestamp(engine)?,
    };
    if millis > latest_commit.millis {
        return Err(out_of_range(TimestampOutOfRange::AfterLatest {
            requested: millis,
            latest: latest_commit,
        }));
    }
    match latest_version_as_of(latest, engine, millis, HistoryCommitType::Recreatable) {
        Ok(commit) => Ok(commit.version),
        Err(KernelError::LogHistory(_)) => {
            let log_root = latest.table_root().join("_delta_log/")?;
            let earliest =
                get_earliest_commit(engine, &log_root, None, HistoryCommitType::Recreatable)?;
            let earliest_millis = Snapshot::builder_for(latest.table_root().as_str())
                .at_version(earliest)
                .build(engine)?
                .get_timestamp(engine)?;
            Err(out_of_range(TimestampOutOfRange::BeforeEarliest {
                requested: millis,
                earliest: Commit {
                    version: earliest,
                    millis: earliest_millis,
                },
            }))
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(version: Version, millis: i64) -> Commit {
        Commit { version, millis }
    }

    #[test]
    fn equal_times_resolve_one_millisecond_apart() {
        let commits = monotonize(vec![commit(0, 291), commit(1, 291), commit(2, 291)]);
        assert_eq!(commits, [commit(0, 291), commit(1, 292), commit(2, 293)]);
        for (millis, version) in [(291, 0), (292, 1), (293, 2)] {
            let found = last_commit_at(&commits, millis, Some(2)).map(|c| c.version);
            assert_eq!(found.ok(), Some(version), "timestamp {millis}");
        }
    }

    #[test]
    fn a_commit_older_than_its_predecessor_follows_it_and_later_ones_keep_their_times() {
        let commits = monotonize(vec![
            commit(0, 100),
            commit(1, 300),
            commit(2, 200),
            commit(3, 400),
        ]);
        assert_eq!(
            commits,
            [
                commit(0, 100),
                commit(1, 300),
                commit(2, 301),
                commit(3, 400)
            ]
        );
    }

    #[test]
    fn a_change_feed_starts_at_the_first_commit_at_or_after_its_timestamp() {
        let commits = monotonize(vec![commit(3, 1_000), commit(4, 1_000), commit(5, 3_000)]);
        for (millis, version) in [
            (0, Some(3)),
            (1_000, Some(3)),
            (1_001, Some(4)),
            (1_002, Some(5)),
        ] {
            assert_eq!(
                first_commit_from(&commits, millis),
                version,
                "timestamp {millis}"
            );
        }
        assert_eq!(
            first_commit_from(&commits, 3_001),
            None,
            "after the latest commit"
        );
    }

    #[test]
    fn before_the_first_and_after_the_last_commit_fail() {
        let commits = [commit(3, 1_000), commit(4, 2_000)];
        let before = last_commit_at(&commits, 999, Some(4));
        assert!(matches!(before, Err(KernelError::GenericError { .. })));
        let after = last_commit_at(&commits, 2_001, Some(4));
        let message = after.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("after the latest commit, version 4"),
            "{message}"
        );
        // Before in-commit timestamps were enabled, the last pre-enablement commit is no end.
        assert_eq!(
            last_commit_at(&commits, 5_000, None).ok(),
            Some(commit(4, 2_000))
        );
    }
}
