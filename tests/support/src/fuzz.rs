//! A small mutation fuzzer for the test run: it feeds a target inputs made from its seeds and
//! from random bytes for a bounded time, and fails when the target panics or stops making
//! progress. Each input that did is kept under `tests/fuzz-regressions/<target>/`, and every
//! kept input is replayed first, so a crash once found stays a test.
//!
//! Written here rather than taken from cargo-fuzz or afl: both need a nightly compiler or an
//! instrumented toolchain, and the test run has the stable one only.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an input may run before the target counts as hung.
const HANG: Duration = Duration::from_secs(10);

/// Bytes that make decoders take unusual paths: msgpack markers, JSON structure, limits.
const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc7, 0xca,
    0xcb, 0xcc, 0xcf, 0xd0, 0xd3, 0xd4, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, b'{', b'}',
    b'[', b']', b'"', b'\\', b':', b',', b'-', b'e', b'.', b'#', b'%', b'&', b'=',
];

/// How long each target runs: `CLOUDDB_FUZZ_SECONDS` (the test script sets it), else 3 s.
pub fn budget() -> Duration {
    let seconds = std::env::var("CLOUDDB_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(3);
    Duration::from_secs(seconds)
}

fn regressions(target: &str) -> PathBuf {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tests = tests.parent().expect("tests/support lies in tests/");
    tests.join("fuzz-regressions").join(target)
}

/// FNV-1a: a stable name for a kept input.
fn name_of(input: &[u8]) -> String {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn keep(target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = regressions(target);
    std::fs::create_dir_all(&dir).expect("fuzz regression folder");
    let path = dir.join(format!("{kind}-{}.bin", name_of(input)));
    std::fs::write(&path, input).expect("keep the input");
    path
}

fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    for _ in 0..fastrand::usize(1..=4) {
        let at = fastrand::usize(..=input.len());
        match fastrand::u8(..7) {
            0 if !input.is_empty() => {
                let i = fastrand::usize(..input.len());
                input[i] ^= 1 << fastrand::u8(..8);
            }
            1 => input.insert(at, INTERESTING[fastrand::usize(..INTERESTING.len())]),
            2 if !input.is_empty() => {
                let end = (at + fastrand::usize(1..=8)).min(input.len());
                input.drain(at.min(end)..end);
            }
            3 => input.insert(at, fastrand::u8(..)),
            4 if !input.is_empty() => {
                // Repeat a chunk: deep nesting, long strings, big counts.
                let start = fastrand::usize(..input.len());
                let end = (start + fastrand::usize(1..=16)).min(input.len());
                let chunk: Vec<u8> = input[start..end].to_vec();
                for _ in 0..fastrand::usize(1..=64) {
                    input.splice(at..at, chunk.iter().copied());
                }
            }
            5 if !seeds.is_empty() => {
                let other = &seeds[fastrand::usize(..seeds.len())];
                let from = fastrand::usize(..=other.len());
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            _ if !input.is_empty() => {
                let i = fastrand::usize(..input.len());
                input[i] = INTERESTING[fastrand::usize(..INTERESTING.len())];
            }
            _ => input.push(fastrand::u8(..)),
        }
    }
}

/// What one target did in its time.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub inputs: u64,
    pub elapsed: Duration,
}

/// Runs `check` on the kept inputs of `target`, then on inputs made from `seeds` until the
/// budget is spent. A panic or a hang fails the test, naming the file the input was kept in.
pub fn fuzz(
    target: &str,
    seeds: Vec<Vec<u8>>,
    check: impl Fn(&[u8]) + Send + Sync + 'static,
) -> Report {
    let mut kept: Vec<Vec<u8>> = std::fs::read_dir(regressions(target))
        .map(|dir| {
            dir.filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    kept.extend(seeds.iter().cloned());
    let current = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + budget();
    let worker = {
        let (current, done, finished) = (current.clone(), done.clone(), finished.clone());
        let target = target.to_owned();
        std::thread::spawn(move || {
            let mut inputs = kept.into_iter();
            loop {
                let input = match inputs.next() {
                    Some(input) => input,
                    None if Instant::now() >= deadline => break,
                    None => {
                        let mut input = if seeds.is_empty() || fastrand::u8(..8) == 0 {
                            (0..fastrand::usize(..64))
                                .map(|_| fastrand::u8(..))
                                .collect()
                        } else {
                            seeds[fastrand::usize(..seeds.len())].clone()
                        };
                        mutate(&mut input, &seeds);
                        input
                    }
                };
                current.lock().expect("current input").clone_from(&input);
                if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
                    let path = keep(&target, "crash", &input);
                    panic!(
                        "fuzz target {target} panicked; the input is kept in {}",
                        path.display()
                    );
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            finished.store(true, Ordering::Relaxed);
        })
    };
    let started = Instant::now();
    let (mut seen, mut progress_at) = (0, Instant::now());
    while !finished.load(Ordering::Relaxed) && !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        let now = done.load(Ordering::Relaxed);
        if now != seen {
            (seen, progress_at) = (now, Instant::now());
        } else if progress_at.elapsed() > HANG {
            let input = current.lock().expect("current input").clone();
            let path = keep(target, "hang", &input);
            panic!(
                "fuzz target {target} hung on an input; it is kept in {}",
                path.display()
            );
        }
    }
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
    let report = Report {
        inputs: done.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    };
    println!(
        "fuzz {target}: {} inputs in {:.1} s, no crash, no hang",
        report.inputs,
        report.elapsed.as_secs_f64()
    );
    report
}
