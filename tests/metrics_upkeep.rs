//! The metrics recorder folds histogram samples into their buckets on its
//! own, between scrapes. A binary of its own: it reads the process's
//! resident memory, which no other test may grow meanwhile.

use std::{fs, thread, time::Duration};

const SAMPLES: usize = 2_000_000;

/// The process's resident memory, in bytes.
fn resident_bytes() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("Linux");
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS in kB");
    kib * 1024
}

#[test]
fn samples_recorded_between_scrapes_do_not_pile_up() {
    let recorder = uliga::telemetry::recorder_kept_up(Duration::from_millis(10));
    let handle = recorder.handle();
    let grown = metrics::with_local_recorder(&recorder, || {
        let histogram =
            metrics::histogram!("uliga_graphql_request_duration_seconds", "operation" => "me");
        let before = resident_bytes();
        for _ in 0..SAMPLES / 10_000 {
            for _ in 0..10_000 {
                histogram.record(0.001);
            }
            // Requests leave time between them; so does this.
            thread::sleep(Duration::from_millis(1));
        }
        resident_bytes().saturating_sub(before)
    });
    // Left waiting for a scrape, these samples held 33 MB here (0.7 MB
    // folded every 10 ms).
    assert!(
        grown < 4 << 20,
        "{grown} bytes more resident after {SAMPLES} samples"
    );
    // Every sample is counted once folded, less a rare one that arrived
    // while its block was being folded: metrics-util's bucket drops those,
    // as it does at every scrape (a few in a million here, folding 100
    // times a second; the service folds once a second).
    let rendered = handle.render();
    let counted: usize = rendered
        .lines()
        .find_map(|line| {
            line.strip_prefix("uliga_graphql_request_duration_seconds_count{operation=\"me\"} ")
        })
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no count rendered:\n{rendered}"));
    assert!(
        (SAMPLES - SAMPLES / 10_000..=SAMPLES).contains(&counted),
        "{counted} of {SAMPLES} samples counted"
    );
}
