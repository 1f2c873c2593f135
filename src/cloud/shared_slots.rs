//! The slots of rate-limited calls, recorded in a file that every provider process using one
//! account on this machine shares. The vendor counts an account's calls from every client:
//! Terraform starts a new provider process for each phase of a command, and tools such as
//! Terragrunt run several Terraform processes at once. With the record, each process knows what
//! the others have just sent instead of guessing.
//!
//! One file per account (a hash of the endpoint and the key id, never the secret), in a
//! directory only its owner may use. A line is `<service>/<action> <unix time in ns>`; every
//! reader and writer holds the file's exclusive lock, which the system drops if a process dies.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// Slots further ahead than this are not anyone's honest reservation (a queue of ten seconds
/// would take hundreds of callers waiting at once), but a wall clock set back, or a hostile
/// file: they are dropped rather than waited for.
const FURTHEST_AHEAD: Duration = Duration::from_secs(10);
/// Slots older than this say nothing about any documented window and are not kept.
const OLDEST_KEPT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct SharedSlots {
    path: PathBuf,
}

impl SharedSlots {
    /// The record of the account `identity` names, under the system's temporary directory.
    pub fn for_account(identity: &str) -> io::Result<Self> {
        let dir = std::env::temp_dir().join("clouddb-rate-limits");
        Self::in_dir(&dir, identity)
    }

    /// The record of `identity` in `dir`, which is created for its owner alone. A directory
    /// that others may write to, or owned by someone else, is refused: what it holds could make
    /// this process wait for slots nobody reserved.
    pub fn in_dir(dir: &Path, identity: &str) -> io::Result<Self> {
        if let Err(error) = std::fs::DirBuilder::new().mode(0o700).create(dir) {
            if error.kind() != io::ErrorKind::AlreadyExists {
                return Err(error);
            }
        }
        let name = hex::encode(&Sha256::digest(identity.as_bytes())[..16]);
        let record = Self {
            path: dir.join(name),
        };
        let file = record.open()?;
        let (dir_meta, file_meta) = (std::fs::metadata(dir)?, file.metadata()?);
        if dir_meta.permissions().mode() & 0o022 != 0 || dir_meta.uid() != file_meta.uid() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is not this user's alone", dir.display()),
            ));
        }
        Ok(record)
    }

    fn open(&self) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&self.path)
    }

    /// Runs `update` on the recorded slots of `key` (oldest first), under the file's lock, and
    /// records the slots it leaves. Slots more than [`OLDEST_KEPT`] old are forgotten.
    pub fn update<R>(
        &self,
        key: &str,
        update: impl FnOnce(&mut VecDeque<Instant>) -> R,
    ) -> io::Result<R> {
        let mut file = self.open()?;
        file.lock()?;
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        let clock = Clock::now();
        let mut slots = parse(&text, &clock);
        let recent = slots.entry(key.to_owned()).or_default();
        let outcome = update(recent);
        file.set_len(0)?;
        file.rewind()?;
        file.write_all(render(&slots, &clock).as_bytes())?;
        Ok(outcome)
    }
}

/// One moment read on both clocks: the file holds wall-clock times, the limiter monotonic ones.
struct Clock {
    instant: Instant,
    unix_ns: i128,
}

impl Clock {
    fn now() -> Self {
        let unix_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as i128);
        Self {
            instant: Instant::now(),
            unix_ns,
        }
    }

    fn to_unix_ns(&self, slot: Instant) -> i128 {
        match slot.checked_duration_since(self.instant) {
            Some(ahead) => self.unix_ns + ahead.as_nanos() as i128,
            None => self.unix_ns - self.instant.duration_since(slot).as_nanos() as i128,
        }
    }

    /// `None` for a slot too old to keep or too far ahead to believe.
    fn to_instant(&self, unix_ns: i128) -> Option<Instant> {
        let offset = unix_ns - self.unix_ns;
        let distance = Duration::from_nanos(u64::try_from(offset.unsigned_abs()).ok()?);
        match offset >= 0 {
            true => (distance <= FURTHEST_AHEAD).then(|| self.instant + distance),
            false if distance <= OLDEST_KEPT => self.instant.checked_sub(distance),
            false => None,
        }
    }
}

/// The slots of each key, oldest first; lines that do not parse are dropped.
fn parse(text: &str, clock: &Clock) -> BTreeMap<String, VecDeque<Instant>> {
    let mut slots: BTreeMap<String, Vec<Instant>> = BTreeMap::new();
    for line in text.lines() {
        let Some((key, time)) = line.split_once(' ') else {
            continue;
        };
        if let Some(slot) = time.parse().ok().and_then(|ns| clock.to_instant(ns)) {
            slots.entry(key.to_owned()).or_default().push(slot);
        }
    }
    slots
        .into_iter()
        .map(|(key, mut times)| {
            times.sort();
            (key, times.into())
        })
        .collect()
}

fn render(slots: &BTreeMap<String, VecDeque<Instant>>, clock: &Clock) -> String {
    let mut text = String::new();
    for (key, times) in slots {
        for &slot in times {
            text.push_str(&format!("{key} {}\n", clock.to_unix_ns(slot)));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_holder_of_the_record_sees_the_slots_of_the_others() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let records = dir.path().join("records");
        let first = SharedSlots::in_dir(&records, "tencentcloud AKIDone").expect("record");
        let second = SharedSlots::in_dir(&records, "tencentcloud AKIDone").expect("record");
        let other_account = SharedSlots::in_dir(&records, "tencentcloud AKIDtwo").expect("record");
        let soon = Instant::now() + Duration::from_millis(200);
        first
            .update("cdb/ModifyAccountPrivileges", |recent| {
                recent.push_back(soon)
            })
            .expect("update");
        let seen = second
            .update("cdb/ModifyAccountPrivileges", |recent| recent.clone())
            .expect("read");
        assert_eq!(seen.len(), 1);
        // Through the wall clock and back: within a millisecond.
        let gap = seen[0].max(soon) - seen[0].min(soon);
        assert!(gap < Duration::from_millis(1), "{gap:?}");
        // Other actions and other accounts are counted apart.
        let other_action = second
            .update("cdb/DescribeAccounts", |recent| recent.len())
            .expect("read");
        assert_eq!(other_action, 0);
        let elsewhere = other_account
            .update("cdb/ModifyAccountPrivileges", |recent| recent.len())
            .expect("read");
        assert_eq!(elsewhere, 0);
        let mode = std::fs::metadata(&records)
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[tokio::test]
    async fn slots_nobody_could_have_reserved_are_dropped() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let records = dir.path().join("records");
        let record = SharedSlots::in_dir(&records, "account").expect("record");
        let clock = Clock::now();
        let ancient = clock.unix_ns - 3_600 * 1_000_000_000;
        let far_ahead = clock.unix_ns + 3_600 * 1_000_000_000;
        let recent = clock.unix_ns - 500_000_000;
        std::fs::write(
            &record.path,
            format!("a/b {ancient}\na/b {far_ahead}\nnot a line\na/b {recent}\na/b x\n"),
        )
        .expect("write");
        let kept = record.update("a/b", |recent| recent.len()).expect("read");
        assert_eq!(kept, 1);
        let text = std::fs::read_to_string(&record.path).expect("read back");
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn a_directory_others_may_write_to_is_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let open = dir.path().join("open");
        std::fs::create_dir(&open).expect("dir");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let refused = SharedSlots::in_dir(&open, "account").expect_err("refused");
        assert_eq!(refused.kind(), io::ErrorKind::PermissionDenied);
    }
}
