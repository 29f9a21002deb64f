//! Picking the OpenCL platform and device of a gpu recipe, or failing with one clear line.
//!
//! Every gpu recipe flattens [`DeviceArgs`] into its `Args` (`--platform N --device N`) and
//! calls [`select`]. Without an OpenCL platform, `ocl` waits about ten seconds for one and then
//! panics; here the missing platform is seen first and reported in one line that names
//! `scripts/setup.sh`, and a wrong index gets a message listing what exists.
//!
//! Also here, because several gpu recipes need them: [`format_vector`]/[`format_matrix`], which
//! print arrays the way the book's NumPy does, [`randn`] for NumPy's random matrices,
//! [`parse_work_group`]/[`work_group_size`] for the reductions' `--work-group`, and
//! [`event_time`], a command's time on the device. Each recipe launches its kernels itself.

use std::ffi::OsStr;
use std::fmt::Display;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use ocl::core::{DeviceInfo, DeviceInfoResult, DeviceType};
use ocl::enums::ProfilingInfo;
use ocl::{Device, Event, Platform};
use rand::RngExt;

/// What to tell a reader who has no OpenCL platform.
pub const INSTALL_HINT: &str = "install one with scripts/setup.sh (PoCL runs OpenCL on the CPU)";

/// `--platform` and `--device`: which OpenCL device runs the kernels. Global, so they may
/// also follow a recipe's subcommand.
#[derive(clap::Args, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceArgs {
    /// OpenCL platform index (`cargo run -p gpu-device-info` lists them).
    #[arg(long, default_value_t = 0, global = true)]
    pub platform: usize,
    /// Device index within that platform.
    #[arg(long, default_value_t = 0, global = true)]
    pub device: usize,
}

/// Every OpenCL platform, or an error naming `scripts/setup.sh` when there is none.
pub fn platforms() -> anyhow::Result<Vec<Platform>> {
    if !icd_registered(
        std::env::var_os("OCL_ICD_VENDORS").as_deref(),
        std::env::var_os("OPENCL_VENDOR_PATH").as_deref(),
        std::env::var_os("OCL_ICD_FILENAMES").as_deref(),
    ) {
        bail!("no OpenCL platform found: {INSTALL_HINT}");
    }
    let ids = ocl::core::get_platform_ids()
        .map_err(|error| anyhow::anyhow!("no OpenCL platform found ({error}): {INSTALL_HINT}"))?;
    if ids.is_empty() {
        bail!("no OpenCL platform found: {INSTALL_HINT}");
    }
    Ok(Platform::list_from_core(ids))
}

/// Every device of `platform`, of any type.
pub fn devices(platform: &Platform) -> anyhow::Result<Vec<Device>> {
    let ids = ocl::core::get_device_ids(platform.as_core(), Some(DeviceType::ALL), None).map_err(
        |error| {
            anyhow::anyhow!(
                "OpenCL platform {} has no device ({error}): {INSTALL_HINT}",
                name_or_unknown(platform.name())
            )
        },
    )?;
    if ids.is_empty() {
        bail!(
            "OpenCL platform {} has no device: {INSTALL_HINT}",
            name_or_unknown(platform.name())
        );
    }
    Ok(Device::list_from_core(ids))
}

/// The platform and device chosen by `--platform`/`--device`.
pub fn select(args: &DeviceArgs) -> anyhow::Result<(Platform, Device)> {
    let platforms = platforms()?;
    let platform = *pick("platform", "--platform", args.platform, &platforms)?;
    let devices = devices(&platform)?;
    let device = *pick("device", "--device", args.device, &devices)?;
    Ok((platform, device))
}

fn pick<'a, T>(what: &str, flag: &str, index: usize, found: &'a [T]) -> anyhow::Result<&'a T> {
    found.get(index).with_context(|| {
        format!(
            "{flag} {index}: no OpenCL {what} {index}, only {} (0..={}); \
             `cargo run -p gpu-device-info` lists them, scripts/setup.sh installs PoCL",
            count(found.len(), what),
            found.len().saturating_sub(1)
        )
    })
}

/// "1 device", "2 devices": a count and its noun in English.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// One line naming the device the kernels run on, e.g.
/// `OpenCL device: pthread-skylake (CPU, 2 compute units) on Portable Computing Language`.
pub fn describe(platform: &Platform, device: &Device) -> String {
    let units = match device.info(DeviceInfo::MaxComputeUnits) {
        Ok(DeviceInfoResult::MaxComputeUnits(units)) => units.to_string(),
        _ => "?".to_owned(),
    };
    format!(
        "OpenCL device: {} ({}, {units} compute units) on {}",
        name_or_unknown(device.name()),
        device_type(device),
        name_or_unknown(platform.name())
    )
}

/// `CPU`, `GPU`, `ACCELERATOR`, … as OpenCL names a device's type.
pub fn device_type(device: &Device) -> String {
    match device.info(DeviceInfo::Type) {
        Ok(DeviceInfoResult::Type(flags)) => type_name(flags),
        _ => "unknown type".to_owned(),
    }
}

/// The names of the type flags set in `flags`, joined by `+`.
pub fn type_name(flags: DeviceType) -> String {
    let names = [
        (DeviceType::CPU, "CPU"),
        (DeviceType::GPU, "GPU"),
        (DeviceType::ACCELERATOR, "ACCELERATOR"),
        (DeviceType::CUSTOM, "CUSTOM"),
        (DeviceType::DEFAULT, "DEFAULT"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .map(|(_, name)| *name)
        .collect();
    if set.is_empty() {
        "unknown type".to_owned()
    } else {
        set.join("+")
    }
}

/// The work-group size a tree reduction (`--work-group`) uses unless told otherwise.
const DEFAULT_WORK_GROUP: usize = 256;

/// Parses `--work-group`: a power of two from `min` to 1024, since a tree reduction halves
/// the group at each step (use as `value_parser = |text: &str| parse_work_group(text, 2)`).
pub fn parse_work_group(text: &str, min: u32) -> Result<u32, String> {
    let size: u32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if size.is_power_of_two() && (min..=1024).contains(&size) {
        Ok(size)
    } else {
        Err(format!("{size} is not a power of two from {min} to 1024"))
    }
}

/// The work-group size of a reduction on `device`: `requested` if the device allows it, else
/// 256 or the largest power of two the device allows, at least `min`.
pub fn work_group_size(
    requested: Option<u32>,
    device: &Device,
    min: usize,
) -> anyhow::Result<usize> {
    let max = device.max_wg_size()?;
    match requested {
        Some(size) if size as usize > max => {
            bail!("--work-group {size}: this device's work-groups hold at most {max} work-items")
        }
        Some(size) => Ok(size as usize),
        None if max < min => {
            bail!("this device's work-groups hold at most {max} work-items, fewer than {min}")
        }
        None => Ok(1 << DEFAULT_WORK_GROUP.min(max).ilog2()),
    }
}

/// How long a command ran on the device, from its event's profiling timestamps (its queue
/// must have been built with `CommandQueueProperties::PROFILING_ENABLE`). Waits for the command.
pub fn event_time(event: &Event) -> ocl::Result<Duration> {
    event.wait_for()?;
    let start = event.profiling_info(ProfilingInfo::Start)?.time()?;
    let end = event.profiling_info(ProfilingInfo::End)?.time()?;
    Ok(Duration::from_nanos(end.saturating_sub(start)))
}

/// A standard normal draw as `numpy.random.randn` gives, by the Box–Muller transform, for the
/// recipes' random `float32` matrices.
pub fn randn(rng: &mut impl RngExt) -> f32 {
    let u1 = 1.0 - rng.random::<f64>(); // in (0, 1], so the log is finite
    let u2 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// NumPy's line width: longer arrays wrap.
const LINE_WIDTH: usize = 75;
/// NumPy prints longer arrays as their first and last three elements around `...`.
const SUMMARY_THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

/// A vector as NumPy prints it: `[ 1  2 30]`, right-aligned to the widest element, wrapped at
/// 75 columns, summarised as `[1 2 3 ... 8 9 10]` above 1000 elements. Floats print in Rust's
/// shortest round-trip form, so a reader (or a test) can parse them back exactly.
pub fn format_vector<T: Display>(values: &[T]) -> String {
    format_row(values, "[", " ")
}

/// A row-major matrix of `cols` columns as NumPy prints it: `[[1 2]\n [3 4]]`, one width for
/// every cell.
pub fn format_matrix<T: Display>(values: &[T], cols: usize) -> String {
    let cols = cols.max(1);
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    let rows: Vec<String> = values
        .chunks(cols)
        .map(|row| {
            wrap(
                &row.iter()
                    .map(|v| format!("{v:>width$}"))
                    .collect::<Vec<_>>(),
                "  ",
            )
        })
        .collect();
    format!("[[{}]]", rows.join("]\n ["))
}

fn format_row<T: Display>(values: &[T], open: &str, indent: &str) -> String {
    let texts: Vec<String> = if values.len() > SUMMARY_THRESHOLD {
        let head = values[..EDGE_ITEMS].iter();
        let tail = values[values.len() - EDGE_ITEMS..].iter();
        head.chain(tail).map(ToString::to_string).collect()
    } else {
        values.iter().map(ToString::to_string).collect()
    };
    let width = texts.iter().map(String::len).max().unwrap_or(0);
    let mut cells: Vec<String> = texts.iter().map(|t| format!("{t:>width$}")).collect();
    if values.len() > SUMMARY_THRESHOLD {
        cells.insert(EDGE_ITEMS, "...".to_owned());
    }
    format!("{open}{}]", wrap(&cells, indent))
}

/// Joins `cells` with spaces, breaking lines before they pass [`LINE_WIDTH`].
fn wrap(cells: &[String], indent: &str) -> String {
    let mut text = String::new();
    let mut line_len = indent.len();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 && line_len + 1 + cell.len() + 1 > LINE_WIDTH {
            text.push('\n');
            text.push_str(indent);
            line_len = indent.len();
        } else if i > 0 {
            text.push(' ');
            line_len += 1;
        }
        text.push_str(cell);
        line_len += cell.len();
    }
    text
}

fn name_or_unknown(name: ocl::Result<String>) -> String {
    name.map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "<unnamed>".to_owned())
}

/// Whether any OpenCL driver is registered with the ICD loader. The loader answers "no
/// platform" with an error that `ocl` retries for ten seconds; when nothing is registered there
/// is nothing to wait for. It reads the drivers' `.icd` files from `OCL_ICD_VENDORS` (a folder
/// or one file), else `OPENCL_VENDOR_PATH`, else `/etc/OpenCL/vendors`; `OCL_ICD_FILENAMES`
/// names driver libraries directly. Only a folder without any `.icd` file counts as "none".
fn icd_registered(
    vendors: Option<&OsStr>,
    vendor_path: Option<&OsStr>,
    filenames: Option<&OsStr>,
) -> bool {
    if filenames.is_some_and(|names| !names.is_empty()) {
        return true;
    }
    let folder = vendors
        .or(vendor_path)
        .filter(|path| !path.is_empty())
        .map_or(Path::new("/etc/OpenCL/vendors"), Path::new);
    if folder.is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .any(|entry| entry.path().extension() == Some(OsStr::new("icd")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh, empty folder under the system's temp dir, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("common-opencl-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn an_empty_vendors_folder_means_no_driver() {
        let empty = Folder::new("empty");
        assert!(!icd_registered(Some(empty.0.as_os_str()), None, None));
        assert!(!icd_registered(None, Some(empty.0.as_os_str()), None));
    }

    #[test]
    fn a_missing_vendors_folder_means_no_driver() {
        let gone = std::env::temp_dir().join("common-opencl-no-such-folder");
        assert!(!icd_registered(Some(gone.as_os_str()), None, None));
    }

    #[test]
    fn an_icd_file_counts_and_other_files_do_not() {
        let folder = Folder::new("icd");
        std::fs::write(folder.0.join("README"), "not a driver").unwrap();
        assert!(!icd_registered(Some(folder.0.as_os_str()), None, None));
        let icd = folder.0.join("pocl.icd");
        std::fs::write(&icd, "libpocl.so.2\n").unwrap();
        assert!(icd_registered(Some(folder.0.as_os_str()), None, None));
        assert!(icd_registered(Some(icd.as_os_str()), None, None));
    }

    #[test]
    fn driver_libraries_named_directly_count() {
        let empty = Folder::new("filenames");
        let named = OsStr::new("/usr/lib/libpocl.so.2");
        assert!(icd_registered(Some(empty.0.as_os_str()), None, Some(named)));
        assert!(!icd_registered(
            Some(empty.0.as_os_str()),
            None,
            Some(OsStr::new(""))
        ));
    }

    #[test]
    fn ocl_icd_vendors_wins_over_opencl_vendor_path() {
        let empty = Folder::new("wins-empty");
        let full = Folder::new("wins-full");
        std::fs::write(full.0.join("x.icd"), "libx.so\n").unwrap();
        assert!(!icd_registered(
            Some(empty.0.as_os_str()),
            Some(full.0.as_os_str()),
            None
        ));
    }

    #[test]
    fn an_index_out_of_range_names_what_exists_and_setup() {
        let error = pick("device", "--device", 3, &["a", "b"]).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("--device 3: no OpenCL device 3, only 2 devices (0..=1)"));
        assert!(message.contains("scripts/setup.sh"), "{message}");
        assert_eq!(*pick("device", "--device", 1, &["a", "b"]).unwrap(), "b");
    }

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "work-group"), "1 work-group");
        assert_eq!(count(0, "zero"), "0 zeros");
    }

    #[test]
    fn type_names_read_like_opencl() {
        assert_eq!(type_name(DeviceType::CPU), "CPU");
        assert_eq!(
            type_name(DeviceType::GPU | DeviceType::DEFAULT),
            "GPU+DEFAULT"
        );
        assert_eq!(type_name(DeviceType::empty()), "unknown type");
    }

    #[test]
    fn work_groups_are_powers_of_two_from_min_to_1024() {
        assert_eq!(parse_work_group("256", 2), Ok(256));
        assert_eq!(parse_work_group("1", 1), Ok(1));
        assert_eq!(
            parse_work_group("1", 2).unwrap_err(),
            "1 is not a power of two from 2 to 1024"
        );
        assert!(parse_work_group("48", 1).is_err());
        assert!(parse_work_group("2048", 1).is_err());
        assert!(parse_work_group("0", 1).is_err());
        assert!(parse_work_group("many", 1).is_err());
    }

    #[test]
    fn randn_looks_standard_normal() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        let draws: Vec<f64> = (0..20_000).map(|_| f64::from(randn(&mut rng))).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
        assert!(draws.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn vectors_print_like_numpy() {
        assert_eq!(format_vector(&[1, 22, 3]), "[ 1 22  3]");
        assert_eq!(format_vector(&[0.5f32, -1.25, 2.0]), "[  0.5 -1.25     2]");
        assert_eq!(format_vector::<i32>(&[]), "[]");
    }

    #[test]
    fn long_vectors_wrap_at_75_columns_and_keep_every_element() {
        let values: Vec<i32> = (0..100).collect();
        let text = format_vector(&values);
        assert!(text.lines().count() > 1);
        assert!(text.lines().all(|line| line.len() <= LINE_WIDTH), "{text}");
        let parsed: Vec<i32> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(parsed, values);
    }

    #[test]
    fn very_long_vectors_are_summarised() {
        let values: Vec<i32> = (1..=10_000).collect();
        assert_eq!(
            format_vector(&values),
            "[    1     2     3 ...  9998  9999 10000]"
        );
    }

    #[test]
    fn matrices_print_rows_with_one_width() {
        assert_eq!(format_matrix(&[1, 2, 30, 4], 2), "[[ 1  2]\n [30  4]]");
        assert_eq!(format_matrix(&[7], 1), "[[7]]");
    }

    #[test]
    fn device_args_default_to_the_first_device() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            device: DeviceArgs,
        }
        let cli = Cli::parse_from(["x"]);
        assert_eq!(
            cli.device,
            DeviceArgs {
                platform: 0,
                device: 0
            }
        );
        let cli = Cli::parse_from(["x", "--platform", "1", "--device", "2"]);
        assert_eq!((cli.device.platform, cli.device.device), (1, 2));
    }
}
