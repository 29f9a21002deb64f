//! Runs the real `gpu-device-info` binary on this machine's OpenCL platforms (PoCL at least)
//! and checks that its three listings agree with each other and with their own counts.

use common::testing::{
    assert_bad_device_error, assert_no_opencl_platform_error, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-device-info");

/// The value after `label` on each line that has it, in order.
fn values<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix(label))
        .map(str::trim)
        .collect()
}

/// The leading number of a value such as "64 KB".
fn number(value: &str) -> u64 {
    value
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number in {value:?}"))
}

#[test]
fn the_opencl_listing_shows_every_field_and_counts_what_it_lists() {
    let run = run_ok(BIN, &[]);
    assert!(run.stdout.starts_with(&format!(
        "\n{}\nOpenCL Platforms and Devices\n",
        "=".repeat(60)
    )));
    let platforms = values(&run.stdout, "Platform - Name:");
    let names = values(&run.stdout, "Device - Name:");
    assert!(!platforms.is_empty() && !names.is_empty());
    for label in [
        "Platform - Vendor:",
        "Platform - Version:",
        "Platform - Profile:",
    ] {
        assert_eq!(values(&run.stdout, label).len(), platforms.len(), "{label}");
    }
    for label in [
        "Device - Type:",
        "Device - Max Clock Speed:",
        "Device - Compute Units:",
        "Device - Local Memory:",
        "Device - Constant Memory:",
        "Device - Global Memory:",
        "Device - Max Buffer/Image Size:",
        "Device - Max Work Group Size:",
        "Device - OpenCL Version:",
    ] {
        assert_eq!(values(&run.stdout, label).len(), names.len(), "{label}");
    }
    assert!(
        values(&run.stdout, "Device - Compute Units:")
            .iter()
            .all(|v| number(v) >= 1)
    );
    assert!(
        values(&run.stdout, "Device - Max Work Group Size:")
            .iter()
            .all(|v| number(v) >= 1)
    );
    assert!(
        values(&run.stdout, "Device - Local Memory:")
            .iter()
            .all(|v| v.ends_with(" KB"))
    );
    assert!(
        values(&run.stdout, "Device - Max Clock Speed:")
            .iter()
            .all(|v| v.ends_with(" Mhz"))
    );
    for kind in values(&run.stdout, "Device - Type:") {
        assert!(
            kind.split('+')
                .all(|k| ["CPU", "GPU", "ACCELERATOR", "CUSTOM", "DEFAULT"].contains(&k)),
            "{kind}"
        );
    }
    // The printed count is the number of devices listed.
    assert!(run.stdout.contains(&format!(
        "\n{} device(s) found on {} platform(s).\n",
        names.len(),
        platforms.len()
    )));
    let selected = run.lines_starting("Selected by --platform 0 --device 0: OpenCL device: ");
    assert_eq!(selected.len(), 1);
    assert!(selected[0].contains(names[0]), "{selected:?} vs {names:?}");
}

#[test]
fn the_three_listings_name_the_same_devices() {
    let opencl = run_ok(BIN, &["opencl"]);
    let names = values(&opencl.stdout, "Device - Name:");
    let global_gb: Vec<u64> = values(&opencl.stdout, "Device - Global Memory:")
        .iter()
        .map(|v| number(v))
        .collect();

    let cuda = run_ok(BIN, &["cuda"]);
    assert_eq!(
        cuda.stdout.lines().next(),
        Some(format!("{} device(s) found.", names.len()).as_str())
    );
    let listed: Vec<&str> = cuda
        .lines_starting("Device #")
        .iter()
        .enumerate()
        .map(|(ordinal, line)| {
            line.strip_prefix(&format!("Device #{ordinal}: "))
                .expect("devices numbered from 0")
        })
        .collect();
    assert_eq!(listed, names);
    assert_eq!(values(&cuda.stdout, "OpenCL Version:").len(), names.len());
    for (kb, gb) in values(&cuda.stdout, "Total Memory:").iter().zip(&global_gb) {
        // The same global memory, in KB here and rounded to whole GB there.
        assert_eq!((number(kb) as f64 / 1_048_576.0).round() as u64, *gb);
    }

    let detect = run_ok(BIN, &["detect"]);
    assert_eq!(
        detect.stdout.lines().next(),
        Some(format!("Found {} OpenCL devices", names.len()).as_str())
    );
    let ids = detect.lines_starting("id ");
    assert_eq!(ids.len(), names.len());
    for (id, (line, name)) in ids.iter().zip(&names).enumerate() {
        assert!(line.starts_with(&format!("id {id}    '{name}'")), "{line}");
        assert!(line.ends_with("[SUPPORTED]") || line.ends_with("[NOT SUPPORTED]"));
    }
    let supported = ids
        .iter()
        .filter(|line| line.ends_with(" [SUPPORTED]"))
        .count();
    assert!(supported >= 1, "PoCL at least can run kernels");
    assert!(detect.stdout.contains(&format!(
        "Summary:\n\t{supported}/{} devices are supported\n",
        names.len()
    )));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    for mode in ["opencl", "cuda", "detect"] {
        assert_no_opencl_platform_error(BIN, &[mode]);
    }
}

#[test]
fn a_selection_that_does_not_exist_is_a_one_line_error_after_the_listing() {
    assert_bad_device_error(BIN, &["detect"]);
}

#[test]
fn unknown_modes_and_flags_exit_2() {
    run_fails(BIN, &["rocm"], 2, "rocm");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
