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
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// No honest reservation is further ahead than this (a queue of ten seconds would take
/// hundreds of callers waiting at once); a later slot, from a wall clock set back or a crafted
/// file, counts as if it were this far ahead, so it is never waited for longer.
const FURTHEST_AHEAD: Duration = Duration::from_secs(10);
/// Slots older than this say nothing about any documented window and are not kept.
const OLDEST_KEPT: Duration = Duration::from_secs(10);
/// Another process holds the lock for microseconds; one that holds it longer is stopped or
/// hostile, and the record is given up rather than waited for on one of the runtime's threads.
const LOCK_PATIENCE: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct SharedSlots {
    file: File,
}

impl SharedSlots {
    /// The record of the account `identity` names, under the system's temporary directory.
    pub fn for_account(identity: &str) -> io::Result<Self> {
        let dir = std::env::temp_dir().join("clouddb-rate-limits");
        Self::in_dir(&dir, identity)
    }

    /// The record of `identity` in `dir`, which is created for this user alone. A directory or
    /// file that is a link, belongs to someone else or that others may write to is refused:
    /// what it holds could make this process wait for slots nobody reserved, or point its
    /// writes at another file.
    pub fn in_dir(dir: &Path, identity: &str) -> io::Result<Self> {
        if let Err(error) = std::fs::DirBuilder::new().mode(0o700).create(dir) {
            if error.kind() != io::ErrorKind::AlreadyExists {
                return Err(error);
            }
        }
        let user = current_user();
        let dir_meta = std::fs::symlink_metadata(dir)?;
        if !dir_meta.is_dir() || dir_meta.uid() != user || dir_meta.mode() & 0o022 != 0 {
            return Err(not_private(dir));
        }
        let path = dir.join(file_name(identity));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.uid() != user || meta.nlink() != 1 || meta.mode() & 0o022 != 0 {
            return Err(not_private(&path));
        }
        Ok(Self { file })
    }

    /// Locks the record and reads it; the lock is held until the [`Locked`] is dropped.
    pub fn lock(&self) -> io::Result<Locked<'_>> {
        let waited = std::time::Instant::now();
        loop {
            match self.file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if waited.elapsed() < LOCK_PATIENCE => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "another process holds the record's lock",
                    ))
                }
                Err(std::fs::TryLockError::Error(error)) => return Err(error),
            }
        }
        // Held before the file is read, so that a failed read still unlocks it.
        let mut locked = Locked {
            file: &self.file,
            clock: Clock::now(),
            slots: BTreeMap::new(),
        };
        let mut text = String::new();
        (&self.file).rewind()?;
        (&self.file).read_to_string(&mut text)?;
        locked.slots = parse(&text, &locked.clock);
        Ok(locked)
    }
}

/// The record, locked and read.
pub struct Locked<'a> {
    file: &'a File,
    clock: Clock,
    slots: BTreeMap<String, VecDeque<Instant>>,
}

impl Locked<'_> {
    /// The recorded slots of `key`, oldest first.
    pub fn slots(&self, key: &str) -> VecDeque<Instant> {
        self.slots.get(key).cloned().unwrap_or_default()
    }

    /// Records `slots` as those of `key`, and writes the record back. The new text is written
    /// over the old before the file is cut to its length, so a failure part-way leaves every
    /// slot that was there.
    pub fn store(mut self, key: &str, slots: &VecDeque<Instant>) -> io::Result<()> {
        self.slots.insert(key.to_owned(), slots.clone());
        let text = render(&self.slots, &self.clock);
        let mut file = self.file;
        file.rewind()?;
        file.write_all(text.as_bytes())?;
        file.set_len(text.len() as u64)
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

fn not_private(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{} is not this user's alone", path.display()),
    )
}

fn file_name(identity: &str) -> String {
    hex::encode(&Sha256::digest(identity.as_bytes())[..16])
}

fn current_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
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

    /// `None` for a slot too old to keep; one too far ahead to believe is brought to
    /// [`FURTHEST_AHEAD`].
    fn to_instant(&self, unix_ns: i128) -> Option<Instant> {
        let offset = unix_ns - self.unix_ns;
        let distance =
            u64::try_from(offset.unsigned_abs()).map_or(Duration::MAX, Duration::from_nanos);
        match offset >= 0 {
            true => Some(self.instant + distance.min(FURTHEST_AHEAD)),
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
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const MODIFY: &str = "cdb/ModifyAccountPrivileges";

    #[tokio::test]
    async fn every_holder_of_the_record_sees_the_slots_of_the_others() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let records = dir.path().join("records");
        let first = SharedSlots::in_dir(&records, "tencentcloud AKIDone").expect("record");
        let second = SharedSlots::in_dir(&records, "tencentcloud AKIDone").expect("record");
        let other_account = SharedSlots::in_dir(&records, "tencentcloud AKIDtwo").expect("record");
        let soon = Instant::now() + Duration::from_millis(200);
        let locked = first.lock().expect("lock");
        locked
            .store(MODIFY, &VecDeque::from([soon]))
            .expect("store");
        let seen = second.lock().expect("lock").slots(MODIFY);
        assert_eq!(seen.len(), 1);
        // Through the wall clock and back: within a millisecond.
        let gap = seen[0].max(soon) - seen[0].min(soon);
        assert!(gap < Duration::from_millis(1), "{gap:?}");
        // Other actions and other accounts are counted apart.
        assert!(second.lock().expect("lock").slots("cdb/Other").is_empty());
        assert!(other_account.lock().expect("lock").slots(MODIFY).is_empty());
        let mode = std::fs::metadata(&records)
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[tokio::test]
    async fn slots_nobody_could_have_reserved_are_dropped_or_brought_near() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let records = dir.path().join("records");
        let record = SharedSlots::in_dir(&records, "account").expect("record");
        let clock = Clock::now();
        let hour = 3_600 * 1_000_000_000;
        let recent = clock.unix_ns - 500_000_000;
        std::fs::write(
            records.join(file_name("account")),
            format!(
                "a/b {}\na/b {}\nnot a line\na/b {recent}\na/b x\n",
                clock.unix_ns - hour,
                clock.unix_ns + hour
            ),
        )
        .expect("write");
        let locked = record.lock().expect("lock");
        let slots = locked.slots("a/b");
        // The hour-old slot and the lines that do not parse are gone; the slot an hour ahead
        // counts as ten seconds ahead.
        assert_eq!(slots.len(), 2);
        assert!(slots[1] <= Instant::now() + FURTHEST_AHEAD);
        locked.store("a/b", &slots).expect("store");
        let text = std::fs::read_to_string(records.join(file_name("account"))).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn records_others_could_tamper_with_are_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let open = dir.path().join("open");
        std::fs::create_dir(&open).expect("dir");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let refused = SharedSlots::in_dir(&open, "account").expect_err("refused");
        assert_eq!(refused.kind(), io::ErrorKind::PermissionDenied);
        // A directory or a file that is a link to somewhere else.
        let private = dir.path().join("private");
        SharedSlots::in_dir(&private, "account").expect("record");
        let linked_dir = dir.path().join("linked");
        std::os::unix::fs::symlink(&private, &linked_dir).expect("link");
        assert!(SharedSlots::in_dir(&linked_dir, "account").is_err());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep me").expect("write");
        std::fs::remove_file(private.join(file_name("account"))).expect("remove");
        std::os::unix::fs::symlink(&elsewhere, private.join(file_name("account"))).expect("link");
        assert!(SharedSlots::in_dir(&private, "account").is_err());
        assert_eq!(
            std::fs::read_to_string(&elsewhere).expect("read"),
            "keep me"
        );
    }

    #[test]
    fn a_lock_held_elsewhere_is_given_up_on_soon() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let holder = SharedSlots::in_dir(dir.path(), "account").expect("record");
        let waiter = SharedSlots::in_dir(dir.path(), "account").expect("record");
        let held = holder.lock().expect("lock");
        let started = std::time::Instant::now();
        let refused = waiter.lock().err().expect("the lock is held");
        assert_eq!(refused.kind(), io::ErrorKind::WouldBlock);
        assert!(started.elapsed() < LOCK_PATIENCE * 3);
        drop(held);
        waiter.lock().expect("free again");
    }
}
