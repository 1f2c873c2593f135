//! Performance and reliability, measured: `cargo bench --bench provider`.
//!
//! Prints three tables and judges nothing (targets are printed beside the figures), then writes
//! every figure as JSON to `target/bench/provider.json` (or `CLOUDDB_BENCH_JSON`):
//!
//! 1. the provider process as Terraform starts it ([`process`]);
//! 2. real Terraform applying, planning and destroying many resources against clouddb-sim with
//!    latency and the documented rate limits, each against its lower bound ([`load`]);
//! 3. one CDB account with hundreds of table scopes ([`large_account`]).
//!
//! `cargo bench --bench provider -- load` runs only the sections named.

mod bounds;
mod large_account;
mod load;
mod process;

use std::path::PathBuf;
use std::time::Instant;

use clouddb_sim::Fixture;
use serde_json::{Map, Value as Json};

/// A section of the benchmark: it prints its table and returns its figures.
type Section = fn() -> Json;

const SECTIONS: [(&str, Section); 3] = [
    ("process", process::figures),
    ("load", load::figures),
    ("large_account", large_account::figures),
];

fn main() {
    let started = Instant::now();
    // cargo passes `--bench` to a harness-less bench; everything else names a section.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    println!("clouddb provider benchmark (figures only, no thresholds)\n");
    let mut report = Map::new();
    for (name, figures) in SECTIONS {
        if named.is_empty() || named.iter().any(|n| n == name) {
            report.insert(name.to_owned(), figures());
            println!();
        }
    }
    let path = std::env::var_os("CLOUDDB_BENCH_JSON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/provider.json")
        });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("directory for the JSON report");
    }
    let text = serde_json::to_string_pretty(&Json::Object(report)).expect("JSON report");
    std::fs::write(&path, text + "\n").expect("write the JSON report");
    println!(
        "figures written to {}; benchmark run took {:.1} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
}

/// The built-in fixture, changed by `edit`.
pub fn fixture(edit: impl FnOnce(&mut Json)) -> Fixture {
    let mut fixture: Json =
        serde_json::from_str(&Fixture::builtin().to_json()).expect("built-in fixture JSON");
    edit(&mut fixture);
    Fixture::from_json(&fixture.to_string()).expect("generated fixture")
}
