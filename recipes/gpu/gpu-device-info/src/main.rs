//! # Querying the devices: PyCUDA, PyOpenCL and Numba
//!
//! Book: 1st edition §6.2 "Using the PyCUDA module" and §6.10 "Using the PyOpenCL module";
//! 2nd edition chapter 8, "Dealing with PyCUDA" (`dealingWithPycuda.py`), "Introducing
//! PyOpenCL" (`deviceInfoPyopencl.py`) and "GPU programming with Numba"
//! (`numba_cuda_detection.py`).
//!
//! Before running a kernel, a program asks what hardware it has: the platforms (one per
//! installed driver) and their devices, with the limits a kernel must respect — compute units,
//! clock, global, local and constant memory, the largest buffer, the largest work-group. The
//! book does this three ways; each is a mode here, all answered through OpenCL.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-device-info             # PyOpenCL's listing: every platform and device
//! cargo run -p gpu-device-info -- cuda     # PyCUDA's short listing
//! cargo run -p gpu-device-info -- detect   # Numba's detect() summary
//! cargo run -p gpu-device-info -- --platform 1 --device 0   # which device the recipes would use
//! ```
//!
//! ## Python → Rust
//!
//! - `cl.get_platforms()`, `platform.get_devices()` → `common::opencl::platforms` and
//!   `devices` (`ocl::Platform`, `ocl::Device`); without any platform they fail in one line
//!   naming `scripts/setup.sh` instead of raising.
//! - `device.max_compute_units`, `device.local_mem_size`, … → `Device::info(DeviceInfo::…)`.
//! - `pycuda.driver.Device.count()` and `numba.cuda.detect()` → the same OpenCL queries, counted
//!   over all platforms.
//!
//! ## Differences from the book
//!
//! - Everything is OpenCL: the CUDA-only *compute capability* is replaced by the device's
//!   OpenCL version (and OpenCL C version), and every OpenCL device counts, not only NVIDIA
//!   GPUs. `detect` calls a device supported when it is available and has a compiler.
//! - Numba's `libs.test()` (which searches for the CUDA libraries) has no counterpart: `ocl`
//!   links the OpenCL loader, so a program that starts has found it.
//! - The listing also shows each device's OpenCL version and ends with the number of devices
//!   found, `1 device(s) found on 1 platform(s).`; every mode then names the device that
//!   `--platform`/`--device` select, the one every gpu recipe uses: `Selected by --platform 0
//!   --device 0: OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing …`.
//! - The device type is the names of the type flags the device has, `Device - Type:  CPU`
//!   (`CPU+DEFAULT` for a platform's default device). Recent PyOpenCL's `to_string` also names
//!   the catch-all `ALL`, since it shares a bit with every type, so the original prints
//!   `Device - Type:  ALL | CPU` for the same device.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use common::opencl::{DeviceArgs, describe, device_type, devices, platforms};
use ocl::core::DeviceInfo::{self, *};
use ocl::{Device, Platform};

#[derive(Parser)]
#[command(
    about = "Lists every OpenCL platform and device with its limits",
    subcommand_value_name = "MODE",
    subcommand_help_heading = "Modes"
)]
struct Args {
    /// Which of the book's listings to print [default: opencl].
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    device: DeviceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Mode {
    /// Every platform and device with its limits (deviceInfoPyopencl.py)
    Opencl,
    /// A device count, then each device's name, version and memory (dealingWithPycuda.py)
    Cuda,
    /// Each device and whether it is supported, then a summary (numba_cuda_detection.py)
    Detect,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let platforms = platforms()?;
    match args.mode.unwrap_or(Mode::Opencl) {
        Mode::Opencl => print_opencl(&platforms)?,
        Mode::Cuda => print_cuda(&platforms)?,
        Mode::Detect => print_detect(&platforms)?,
    }
    let (platform, device) = common::opencl::select(&args.device)?;
    let selected = describe(&platform, &device);
    let (p, d) = (args.device.platform, args.device.device);
    println!("Selected by --platform {p} --device {d}: {selected}");
    Ok(())
}

// ANCHOR: opencl
/// `deviceInfoPyopencl.py`: each platform, then each of its devices.
fn print_opencl(platforms: &[Platform]) -> anyhow::Result<()> {
    println!("\n{}\nOpenCL Platforms and Devices", "=".repeat(60));
    let mut count = 0;
    for platform in platforms {
        println!("{}", "=".repeat(60));
        println!("Platform - Name:  {}", platform.name()?);
        println!("Platform - Vendor:  {}", platform.vendor()?);
        println!("Platform - Version:  {}", platform.version()?);
        println!("Platform - Profile:  {}", platform.profile()?);
        // A driver may register a platform whose hardware is absent: list it, empty.
        let devices = devices(platform).unwrap_or_default();
        if devices.is_empty() {
            println!("    {}\n    (no devices)", "-".repeat(56));
        }
        for device in &devices {
            let info = |kind| info(device, kind);
            let size = |kind, unit| anyhow::Ok(size(bytes(device, kind)?, unit));
            let version = format!("{} ({})", info(Version)?, info(OpenclCVersion)?);
            println!("    {}", "-".repeat(56));
            for (label, value) in [
                ("Name:  ", info(Name)?),
                ("Type:  ", device_type(device)),
                ("Max Clock Speed:  ", info(MaxClockFrequency)? + " Mhz"),
                ("Compute Units:  ", info(MaxComputeUnits)?),
                ("Local Memory:  ", size(LocalMemSize, "KB")?),
                ("Constant Memory:  ", size(MaxConstantBufferSize, "KB")?),
                ("Global Memory: ", size(GlobalMemSize, "GB")?),
                ("Max Buffer/Image Size: ", size(MaxMemAllocSize, "MB")?),
                ("Max Work Group Size: ", info(MaxWorkGroupSize)?),
                ("OpenCL Version: ", version),
            ] {
                println!("    Device - {label}{value}");
            }
        }
        count += devices.len();
    }
    let platform_count = platforms.len();
    println!("\n{count} device(s) found on {platform_count} platform(s).");
    Ok(())
}
// ANCHOR_END: opencl

/// `dealingWithPycuda.py`: a count, then each device's name, version and memory.
fn print_cuda(platforms: &[Platform]) -> anyhow::Result<()> {
    let all = all_devices(platforms);
    println!("{} device(s) found.", all.len());
    for (ordinal, (_, device)) in all.iter().enumerate() {
        println!("Device #{ordinal}: {}", info(device, Name)?);
        println!(" OpenCL Version: {}", info(device, Version)?);
        println!(" Total Memory: {} KB", bytes(device, GlobalMemSize)? / 1024);
    }
    Ok(())
}

/// `numba.cuda.detect()`: each device and whether it can run kernels (it is available and
/// has a compiler), then a summary.
fn print_detect(platforms: &[Platform]) -> anyhow::Result<()> {
    let all = all_devices(platforms);
    println!("Found {} OpenCL devices", all.len());
    let mut supported = 0;
    for (id, (platform, device)) in all.iter().enumerate() {
        let ok = info(device, Available)? == "true" && info(device, CompilerAvailable)? == "true";
        supported += usize::from(ok);
        let verdict = if ok { "[SUPPORTED]" } else { "[NOT SUPPORTED]" };
        let name = format!("'{}'", info(device, Name)?);
        println!("id {id}    {name:<48} {verdict}");
        let c_version = info(device, OpenclCVersion)?;
        println!("{:>40}: {c_version}", "OpenCL C version");
        println!("{:>40}: {}", "device type", device_type(device));
        println!("{:>40}: {}", "platform", platform.name()?);
    }
    let total = all.len();
    println!("Summary:\n\t{supported}/{total} devices are supported");
    Ok(())
}

/// Every device of every platform, with its platform.
fn all_devices(platforms: &[Platform]) -> Vec<(Platform, Device)> {
    let mut all = Vec::new();
    for platform in platforms {
        let devices = devices(platform).unwrap_or_default();
        all.extend(devices.into_iter().map(|device| (*platform, device)));
    }
    all
}

// ANCHOR: queries
/// One `clGetDeviceInfo` query, as text.
fn info(device: &Device, kind: DeviceInfo) -> anyhow::Result<String> {
    let value = device
        .info(kind)
        .with_context(|| format!("cannot read {kind:?}"))?;
    Ok(value.to_string().trim().to_owned())
}

/// A memory size the device reports, in bytes (its text form is the number).
fn bytes(device: &Device, kind: DeviceInfo) -> anyhow::Result<u64> {
    let text = info(device, kind)?;
    text.parse()
        .with_context(|| format!("{kind:?} is {text:?}, not a size"))
}

/// `bytes` in whole `unit`s ("KB", "MB" or "GB"), binary as in the book: 1 KB = 1024 B.
fn size(bytes: u64, unit: &str) -> String {
    let power = ["B", "KB", "MB", "GB"].iter().position(|u| *u == unit);
    let value = bytes as f64 / 1024f64.powi(power.unwrap_or(0) as i32);
    format!("{value:.0} {unit}")
}
// ANCHOR_END: queries

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_binary_as_in_the_book() {
        assert_eq!(size(65_536, "KB"), "64 KB");
        assert_eq!(size(3 * 1_048_576, "MB"), "3 MB");
        assert_eq!(size(1 << 31, "GB"), "2 GB");
        assert_eq!(size(1536 << 20, "GB"), "2 GB"); // rounded, as Python's {:.0f}
    }

    #[test]
    fn the_mode_defaults_to_the_opencl_listing() {
        let args = Args::parse_from(["gpu-device-info"]);
        assert_eq!(args.mode, None);
        let args = Args::parse_from(["gpu-device-info", "detect", "--device", "1"]);
        assert_eq!((args.mode, args.device.device), (Some(Mode::Detect), 1));
    }
}
