//! The whole admin run against a standalone `sncc mock` through a proxy that adds 150 ms to every request
//! (an instance across the internet): wall time, requests in total and per scenario; then the same run
//! with `--concurrency 1`, whose outcomes the default run's must equal scenario by scenario.
//!
//! `cargo bench --bench latency` (the release `sncc`). `SNCC_BENCH_LATENCY_MS` sets the latency (150),
//! `SNCC_BENCH_TAGS` narrows both runs (e.g. `'not @slow'`; default: every scenario).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::TempDir;
use common::instance::{Mock, admin_run, assert_unchanged, summary};
use common::proxy::Proxy;
use serde_json::Value;

/// The longest one run may take.
const PATIENCE: Duration = Duration::from_secs(30 * 60);

/// What one run gave.
struct Measured {
    wall: Duration,
    code: Option<i32>,
    proxied: usize,
    summary: Value,
}

impl Measured {
    fn scenarios(&self) -> Vec<Value> {
        self.summary["scenarios"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Each scenario's outcome, by feature, line and name.
    fn outcomes(&self) -> BTreeMap<String, String> {
        self.scenarios()
            .iter()
            .map(|scenario| {
                let key = format!(
                    "{}:{} {} {}",
                    scenario["feature_uri"].as_str().unwrap_or_default(),
                    scenario["line"],
                    scenario["info"]["id"].as_str().unwrap_or_default(),
                    scenario["name"].as_str().unwrap_or_default()
                );
                let outcome = scenario["outcome"].as_str().unwrap_or_default().to_owned();
                (key, outcome)
            })
            .collect()
    }

    fn ran(&self) -> usize {
        self.scenarios()
            .iter()
            .filter(|scenario| scenario["outcome"] != "skipped")
            .count()
    }

    fn print(&self, what: &str) {
        let ran = self.ran().max(1) as f64;
        let reported = self.summary["requests"].as_u64().unwrap_or_default();
        println!(
            "{what}: {:.1} s wall, exit {:?}, {} scenarios run; requests: {} through the proxy ({:.1} a scenario), {} in summary.json ({:.1} a scenario)",
            self.wall.as_secs_f64(),
            self.code,
            self.ran(),
            self.proxied,
            self.proxied as f64 / ran,
            reported,
            reported as f64 / ran,
        );
        let mut busiest: Vec<(usize, String)> = self
            .scenarios()
            .iter()
            .filter(|scenario| scenario["outcome"] != "skipped")
            .map(|scenario| {
                let exchanges = scenario["exchanges"].as_array().map_or(0, Vec::len);
                let id = scenario["info"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                (exchanges, id)
            })
            .collect();
        busiest.sort_by(|a, b| b.cmp(a));
        let top: Vec<String> = busiest
            .iter()
            .take(8)
            .map(|(count, id)| format!("{id} {count}"))
            .collect();
        println!(
            "  most requests a scenario (its exchanges): {}",
            top.join(", ")
        );
    }
}

/// One admin run of the selection through a fresh mock and a proxy adding `latency`.
fn measure(name: &str, latency: Duration, tags: Option<&str>, extra: &[&str]) -> Measured {
    let mock = Mock::start("untouched");
    let proxy = Proxy::start(&mock.url);
    proxy.set_latency(latency);
    let dir = TempDir::new(&format!("bench-latency-{name}"));
    let reports = dir.join("reports");
    let before = mock.snapshot();
    let mut args = vec!["--report-dir", &reports];
    if let Some(tags) = tags {
        args.extend(["--tags", tags]);
    }
    args.extend(extra);
    let started = Instant::now();
    let finished = admin_run(proxy.url(), &dir, &args).finish_within(PATIENCE);
    let wall = started.elapsed();
    let proxied = proxy.count();
    assert!(
        std::path::Path::new(&reports).join("summary.json").exists(),
        "{name}: no summary.json\n{}{}",
        finished.stdout,
        finished.stderr
    );
    assert_unchanged(&before, &mock.snapshot(), &format!("after the {name} run"));
    Measured {
        wall,
        code: finished.code,
        proxied,
        summary: summary(&reports),
    }
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let latency = std::env::var("SNCC_BENCH_LATENCY_MS")
        .ok()
        .and_then(|text| text.parse().ok())
        .map_or(Duration::from_millis(150), Duration::from_millis);
    let tags = std::env::var("SNCC_BENCH_TAGS").ok();
    println!(
        "sncc run --admin-user admin through a proxy adding {} ms a request ({})",
        latency.as_millis(),
        tags.as_deref()
            .map_or("every scenario".to_owned(), |tags| format!(
                "--tags '{tags}'"
            ))
    );

    let default = measure("default", latency, tags.as_deref(), &[]);
    default.print("default concurrency");
    let serial = measure("serial", latency, tags.as_deref(), &["--concurrency", "1"]);
    serial.print("--concurrency 1");
    println!(
        "speed-up over serial: {:.2}x",
        serial.wall.as_secs_f64() / default.wall.as_secs_f64()
    );

    let (ours, theirs) = (default.outcomes(), serial.outcomes());
    let mut differing = Vec::new();
    for key in ours.keys().chain(theirs.keys()) {
        let (a, b) = (ours.get(key), theirs.get(key));
        if a != b && !differing.iter().any(|(k, _, _)| k == key) {
            differing.push((key.clone(), a.cloned(), b.cloned()));
        }
    }
    if default.code != serial.code {
        println!(
            "exit codes differ: {:?} (default) vs {:?} (serial)",
            default.code, serial.code
        );
    }
    if differing.is_empty() && default.code == serial.code {
        println!("outcomes equal the serial run's, scenario by scenario");
        ExitCode::SUCCESS
    } else {
        for (key, a, b) in &differing {
            println!("  {key}: {a:?} (default) vs {b:?} (serial)");
        }
        ExitCode::FAILURE
    }
}
