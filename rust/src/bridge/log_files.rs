//! The log as the kernel is shown it. The kernel trusts every checkpoint the store lists and the
//! `_last_checkpoint` hint it reads, and fails on damage delta-spark recovers from; the store,
//! which answers all of the kernel's log I/O, screens the two so a read falls back as delta-spark
//! does:
//!
//! - a checkpoint that cannot be a complete file (empty, no Parquet footer, a JSON checkpoint cut
//!   mid-line) is hidden from listings, newest version first until one that is sound, so the
//!   kernel starts from an earlier checkpoint or from the commits;
//! - a hint that names a version with no listed checkpoint at or after it is reported missing, so
//!   the kernel finds the checkpoint by listing (it refuses such a hint on purpose, because
//!   listing from version 0 is unsound when the log's beginning is gone: the snapshot builder
//!   checks that instead, see `machine::snapshot`).
//!
//! Each decision is a warning naming the file. Soundness is cached per file (name, size and
//! modification time: a checkpoint is written once), so a healthy table pays one tail read of its
//! newest checkpoint per process.

use std::collections::{BTreeMap, HashMap};

use delta_kernel::object_store::path::Path;
use delta_kernel::object_store::ObjectMeta;
use delta_kernel::path::{LogPathFileType, ParsedLogPath};
use once_cell::sync::Lazy;
use parking_lot::Mutex;
use url::Url;

/// The log directory's name, and the hint's file name in it.
pub const LOG_DIRECTORY: &str = "_delta_log";
pub const LAST_CHECKPOINT: &str = "_last_checkpoint";

/// How a checkpoint file's last bytes are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Ends with a footer length and `PAR1`.
    Parquet,
    /// Newline-delimited actions: ends with `}` or a newline.
    Json,
}

impl Format {
    /// How many bytes at the end of a file [`Format::is_sound_tail`] needs.
    pub fn tail_length(self) -> u64 {
        match self {
            Format::Parquet => 8,
            Format::Json => 1,
        }
    }

    /// Whether a file of `size` bytes ending in `tail` can be a complete file of this format.
    pub fn is_sound_tail(self, size: u64, tail: &[u8]) -> bool {
        match self {
            Format::Parquet => {
                let Some((length, magic)) = tail.split_first_chunk::<4>() else {
                    return false;
                };
                let footer = u64::from(u32::from_le_bytes(*length));
                // Leading magic, footer, its length and trailing magic.
                magic == b"PAR1" && footer + 12 <= size
            }
            Format::Json => matches!(tail.last(), Some(b'}' | b'\n' | b'\r')),
        }
    }
}

/// A checkpoint file's place in the log, from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointName {
    pub version: u64,
    /// The files that together make one checkpoint share this: "" for a single-file checkpoint,
    /// the part count for a multi-part one, the UUID for a v2 one.
    set: String,
    pub format: Format,
}

/// The checkpoint a log file is part of, by the kernel's reading of its name.
pub fn checkpoint_name(location: &Path) -> Option<CheckpointName> {
    // Only the name matters to the parser; any base makes it a URL.
    let url = Url::parse("memory:///")
        .ok()?
        .join(location.as_ref())
        .ok()?;
    let parsed = ParsedLogPath::try_from(url).ok()??;
    let set = match parsed.file_type {
        LogPathFileType::ClassicCheckpoint => String::new(),
        LogPathFileType::MultiPartCheckpoint { num_parts, .. } => num_parts.to_string(),
        LogPathFileType::UuidCheckpoint => parsed.filename,
        _ => return None,
    };
    let format = if parsed.extension == "json" {
        Format::Json
    } else {
        Format::Parquet
    };
    Some(CheckpointName {
        version: parsed.version,
        set,
        format,
    })
}

/// The listing of a log directory without the checkpoints that cannot be complete: from the
/// newest version down, every checkpoint at a version is checked, the unsound ones are dropped,
/// and the first version with a sound one ends the search. `is_sound` checks one file.
pub fn screen_checkpoints(
    listing: Vec<ObjectMeta>,
    mut is_sound: impl FnMut(&ObjectMeta, Format) -> bool,
) -> Vec<ObjectMeta> {
    let mut sets: BTreeMap<(u64, String), Vec<usize>> = BTreeMap::new();
    for (index, meta) in listing.iter().enumerate() {
        if let Some(name) = checkpoint_name(&meta.location) {
            sets.entry((name.version, name.set))
                .or_default()
                .push(index);
        }
    }
    let mut hidden = vec![false; listing.len()];
    let mut sound_version = None;
    for ((version, _), files) in sets.iter().rev() {
        if sound_version.is_some_and(|sound| sound > *version) {
            break;
        }
        let unsound = files.iter().find(|&&index| {
            let meta = &listing[index];
            let format =
                checkpoint_name(&meta.location).map_or(Format::Parquet, |name| name.format);
            !is_sound(meta, format)
        });
        match unsound {
            Some(&index) => {
                tracing::warn!(
                    "checkpoint file {} ({} bytes) is incomplete or damaged: reading the table \
                     without the checkpoint of version {version}",
                    listing[index].location,
                    listing[index].size
                );
                for &file in files {
                    hidden[file] = true;
                }
            }
            None => sound_version = Some(*version),
        }
    }
    listing
        .into_iter()
        .zip(hidden)
        .filter_map(|(meta, hidden)| (!hidden).then_some(meta))
        .collect()
}

/// The version a `_last_checkpoint` hint names, if it is one.
pub fn hint_version(hint: &[u8]) -> Option<u64> {
    serde_json::from_slice::<serde_json::Value>(hint)
        .ok()?
        .get("version")?
        .as_u64()
}

/// Whether a hint naming `version` leads the kernel to a checkpoint in `listing`: one at that
/// version or after it (a newer one makes the hint merely stale, which the kernel handles).
pub fn hint_finds_checkpoint(version: u64, listing: &[ObjectMeta]) -> bool {
    listing
        .iter()
        .any(|meta| checkpoint_name(&meta.location).is_some_and(|name| name.version >= version))
}

/// A checked file: its URL, size and modification time in milliseconds.
type CheckedFile = (String, u64, i64);

/// Soundness of checkpoint files already checked.
static CHECKED: Lazy<Mutex<HashMap<CheckedFile, bool>>> = Lazy::new(Default::default);
const MAX_CHECKED: usize = 4096;

/// Whether the file at `url` is sound, asking `check` only the first time it is seen.
pub fn cached_soundness(url: String, meta: &ObjectMeta, check: impl FnOnce() -> bool) -> bool {
    let key = (url, meta.size, meta.last_modified.timestamp_millis());
    if let Some(&sound) = CHECKED.lock().get(&key) {
        return sound;
    }
    let sound = check();
    let mut checked = CHECKED.lock();
    if checked.len() >= MAX_CHECKED {
        checked.clear();
    }
    checked.insert(key, sound);
    sound
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn name(file: &str) -> Option<CheckpointName> {
        checkpoint_name(&Path::from(format!("t/_delta_log/{file}")))
    }

    fn meta(name: &str, size: u64) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(format!("t/_delta_log/{name}")),
            last_modified: chrono::DateTime::from_timestamp_millis(0).unwrap(),
            size,
            e_tag: None,
            version: None,
        }
    }

    fn names(listing: &[ObjectMeta]) -> Vec<&str> {
        listing
            .iter()
            .map(|m| m.location.filename().unwrap())
            .collect()
    }

    const V3: &str = "00000000000000000003";

    #[test]
    fn checkpoint_names() {
        let single = name(&format!("{V3}.checkpoint.parquet")).unwrap();
        assert_eq!((single.version, single.format), (3, Format::Parquet));
        let part = name(&format!("{V3}.checkpoint.0000000001.0000000002.parquet"));
        assert_eq!(part.unwrap().set, "2");
        let uuid = "80a083e8-7026-4e79-81be-64bd76c43a11";
        let v2 = name(&format!("{V3}.checkpoint.{uuid}.json")).unwrap();
        assert_eq!(v2.format, Format::Json);
        assert_ne!(
            v2.set,
            name(&format!("{V3}.checkpoint.{uuid}.parquet"))
                .unwrap()
                .set
        );
        for other in [
            format!("{V3}.json"),
            format!("{V3}.crc"),
            "3.checkpoint.parquet".to_string(),
            LAST_CHECKPOINT.to_string(),
            format!("{V3}.checkpoint.parquet.crc"),
        ] {
            assert_eq!(name(&other), None, "{other}");
        }
    }

    #[test]
    fn tails() {
        let mut footer = 100u32.to_le_bytes().to_vec();
        footer.extend_from_slice(b"PAR1");
        assert!(Format::Parquet.is_sound_tail(112, &footer));
        assert!(
            !Format::Parquet.is_sound_tail(111, &footer),
            "footer longer than file"
        );
        assert!(!Format::Parquet.is_sound_tail(112, b"\0\0\0\0PAR2"));
        assert!(!Format::Parquet.is_sound_tail(0, b""));
        assert!(Format::Json.is_sound_tail(10, b"}"));
        assert!(!Format::Json.is_sound_tail(10, b"\""));
    }

    #[test]
    fn unsound_checkpoints_are_hidden_newest_first_until_a_sound_one() {
        let v = |n: u64| format!("{n:020}");
        let listing = vec![
            meta(&format!("{}.checkpoint.parquet", v(2)), 50),
            meta(&format!("{}.json", v(3)), 10),
            meta(&format!("{}.checkpoint.parquet", v(4)), 40),
            meta(
                &format!("{}.checkpoint.0000000001.0000000002.parquet", v(6)),
                0,
            ),
            meta(
                &format!("{}.checkpoint.0000000002.0000000002.parquet", v(6)),
                30,
            ),
            meta(&format!("{}.checkpoint.parquet", v(8)), 0),
            meta(&format!("{}.json", v(8)), 10),
        ];
        let mut asked = Vec::new();
        let screened = screen_checkpoints(listing, |meta, _| {
            asked.push(meta.location.filename().unwrap().to_string());
            meta.size > 0
        });
        assert_eq!(
            names(&screened),
            [
                format!("{}.checkpoint.parquet", v(2)),
                format!("{}.json", v(3)),
                format!("{}.checkpoint.parquet", v(4)),
                format!("{}.json", v(8)),
            ]
        );
        // Version 4 is sound: version 2 is never read.
        assert!(
            !asked.iter().any(|name| name.starts_with(&v(2))),
            "{asked:?}"
        );
        assert!(hint_finds_checkpoint(4, &screened));
        assert!(hint_finds_checkpoint(1, &screened));
        assert!(!hint_finds_checkpoint(5, &screened));
    }

    #[test]
    fn hint_versions() {
        assert_eq!(hint_version(br#"{"version":50,"size":3}"#), Some(50));
        assert_eq!(hint_version(b"{}"), None);
        assert_eq!(hint_version(b"garbage"), None);
    }
}
