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
//! - The listing also shows each device's OpenCL version, ends with the number of devices
//!   found, and names the device `--platform`/`--device` select (what every gpu recipe uses).

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use common::opencl::{DeviceArgs, describe, device_type, devices, platforms};
use ocl::core::{DeviceInfo, DeviceInfoResult};
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

/// What the listings print of one device.
#[derive(Debug, Clone, PartialEq)]
struct DeviceReport {
    name: String,
    kind: String,
    clock_mhz: u32,
    compute_units: u32,
    local_mem: u64,
    constant_mem: u64,
    global_mem: u64,
    max_alloc: u64,
    max_work_group: usize,
    version: String,
    c_version: String,
    supported: bool,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let platforms = platforms()?;
    let mut found = Vec::new();
    for platform in &platforms {
        // A driver may register a platform whose hardware is absent: list it with no devices
        // rather than hide the others.
        let reports = devices(platform)
            .unwrap_or_default()
            .iter()
            .map(report)
            .collect::<anyhow::Result<Vec<_>>>()?;
        found.push((*platform, reports));
    }
    match args.mode.unwrap_or(Mode::Opencl) {
        Mode::Opencl => print_opencl(&found)?,
        Mode::Cuda => print_cuda(&found),
        Mode::Detect => print_detect(&found),
    }
    let (platform, device) = common::opencl::select(&args.device)?;
    println!(
        "Selected by --platform {} --device {}: {}",
        args.device.platform,
        args.device.device,
        describe(&platform, &device)
    );
    Ok(())
}

// ANCHOR: report
/// Asks the device for every value the listings print.
fn report(device: &Device) -> anyhow::Result<DeviceReport> {
    let info = |kind: DeviceInfo| {
        device
            .info(kind)
            .with_context(|| format!("cannot read the device's {kind:?}"))
    };
    let (
        DeviceInfoResult::MaxClockFrequency(clock_mhz),
        DeviceInfoResult::MaxComputeUnits(compute_units),
        DeviceInfoResult::LocalMemSize(local_mem),
        DeviceInfoResult::MaxConstantBufferSize(constant_mem),
        DeviceInfoResult::GlobalMemSize(global_mem),
        DeviceInfoResult::MaxMemAllocSize(max_alloc),
        DeviceInfoResult::MaxWorkGroupSize(max_work_group),
        DeviceInfoResult::Available(available),
        DeviceInfoResult::CompilerAvailable(compiler),
    ) = (
        info(DeviceInfo::MaxClockFrequency)?,
        info(DeviceInfo::MaxComputeUnits)?,
        info(DeviceInfo::LocalMemSize)?,
        info(DeviceInfo::MaxConstantBufferSize)?,
        info(DeviceInfo::GlobalMemSize)?,
        info(DeviceInfo::MaxMemAllocSize)?,
        info(DeviceInfo::MaxWorkGroupSize)?,
        info(DeviceInfo::Available)?,
        info(DeviceInfo::CompilerAvailable)?,
    )
    else {
        anyhow::bail!("the OpenCL driver answered a device query with the wrong kind of value");
    };
    Ok(DeviceReport {
        name: device.name()?.trim().to_owned(),
        kind: device_type(device),
        clock_mhz,
        compute_units,
        local_mem,
        constant_mem,
        global_mem,
        max_alloc,
        max_work_group,
        version: info(DeviceInfo::Version)?.to_string(),
        c_version: info(DeviceInfo::OpenclCVersion)?
            .to_string()
            .trim()
            .to_owned(),
        supported: available && compiler,
    })
}
// ANCHOR_END: report

// ANCHOR: opencl
/// `deviceInfoPyopencl.py`: each platform, then each of its devices.
fn print_opencl(found: &[(Platform, Vec<DeviceReport>)]) -> anyhow::Result<()> {
    println!("\n{}\nOpenCL Platforms and Devices", "=".repeat(60));
    for (platform, reports) in found {
        println!("{}", "=".repeat(60));
        println!("Platform - Name:  {}", platform.name()?);
        println!("Platform - Vendor:  {}", platform.vendor()?);
        println!("Platform - Version:  {}", platform.version()?);
        println!("Platform - Profile:  {}", platform.profile()?);
        if reports.is_empty() {
            println!("    {}", "-".repeat(56));
            println!("    (no devices)");
        }
        for device in reports {
            println!("    {}", "-".repeat(56));
            println!("    Device - Name:  {}", device.name);
            println!("    Device - Type:  {}", device.kind);
            println!("    Device - Max Clock Speed:  {} Mhz", device.clock_mhz);
            println!("    Device - Compute Units:  {}", device.compute_units);
            println!(
                "    Device - Local Memory:  {:.0} KB",
                kib(device.local_mem)
            );
            println!(
                "    Device - Constant Memory:  {:.0} KB",
                kib(device.constant_mem)
            );
            println!(
                "    Device - Global Memory: {:.0} GB",
                gib(device.global_mem)
            );
            println!(
                "    Device - Max Buffer/Image Size: {:.0} MB",
                mib(device.max_alloc)
            );
            println!(
                "    Device - Max Work Group Size: {}",
                device.max_work_group
            );
            println!(
                "    Device - OpenCL Version: {} ({})",
                device.version, device.c_version
            );
        }
    }
    println!();
    let count: usize = found.iter().map(|(_, reports)| reports.len()).sum();
    println!("{count} device(s) found on {} platform(s).", found.len());
    Ok(())
}
// ANCHOR_END: opencl

/// `dealingWithPycuda.py`: a count, then each device's name, version and memory.
fn print_cuda(found: &[(Platform, Vec<DeviceReport>)]) {
    let all: Vec<&DeviceReport> = found.iter().flat_map(|(_, reports)| reports).collect();
    println!("{} device(s) found.", all.len());
    for (ordinal, device) in all.iter().enumerate() {
        println!("Device #{ordinal}: {}", device.name);
        println!(" OpenCL Version: {}", device.version);
        println!(" Total Memory: {} KB", device.global_mem / 1024);
    }
}

/// `numba.cuda.detect()`: each device and whether it can run kernels, then a summary.
fn print_detect(found: &[(Platform, Vec<DeviceReport>)]) {
    let all: Vec<(&Platform, &DeviceReport)> = found
        .iter()
        .flat_map(|(platform, reports)| reports.iter().map(move |report| (platform, report)))
        .collect();
    println!("Found {} OpenCL devices", all.len());
    for (id, (platform, device)) in all.iter().enumerate() {
        let verdict = if device.supported {
            "[SUPPORTED]"
        } else {
            "[NOT SUPPORTED]"
        };
        println!("id {id}    {:<48} {verdict}", format!("'{}'", device.name));
        println!("{:>40}: {}", "OpenCL C version", device.c_version);
        println!("{:>40}: {}", "device type", device.kind);
        println!(
            "{:>40}: {}",
            "platform",
            platform.name().unwrap_or_else(|_| "<unnamed>".to_owned())
        );
    }
    let supported = all.iter().filter(|(_, device)| device.supported).count();
    println!("Summary:");
    println!("\t{supported}/{} devices are supported", all.len());
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / 1_073_741_824.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_binary_as_in_the_book() {
        assert_eq!(kib(65_536), 64.0);
        assert_eq!(mib(3 * 1_048_576), 3.0);
        assert_eq!(gib(1 << 31), 2.0);
    }

    #[test]
    fn the_mode_defaults_to_the_opencl_listing() {
        let args = Args::parse_from(["gpu-device-info"]);
        assert_eq!(args.mode, None);
        let args = Args::parse_from(["gpu-device-info", "detect", "--device", "1"]);
        assert_eq!((args.mode, args.device.device), (Some(Mode::Detect), 1));
    }
}
