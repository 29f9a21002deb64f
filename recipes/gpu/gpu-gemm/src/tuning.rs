//! CLBlast's GEMM parameters for a CPU device: found once by timing a few candidates, then
//! kept in a file and handed to CLBlast (`CLBlastOverrideParameters`) on every run.
//!
//! CLBlast picks its kernels' parameters (tile sizes, work-group shape, vector widths) from a
//! database of tuned devices. PoCL's CPU device is not in it, and the entry it gets (Intel
//! CPUs', tuned on other runtimes) ran about 20 times slower at n = 1024 than the best of the
//! handful of candidates below. CLBlast's own tuners (Debian's `clblast-utils`) search far
//! wider, kernel by kernel, and write JSON for CLBlast's database; the search here is a small,
//! CPU-minded one that runs inside the recipe and keeps its result in a file.
//!
//! The procedure. Every candidate keeps what suits a CPU: no `__local` staging (SA = SB = 0:
//! on a CPU local memory is ordinary cached memory, and staging only adds copies and
//! barriers), work-items that load what they compute (MDIMA = MDIMC, NDIMB = NDIMC), vectors
//! along C's rows half as wide as the SIMD lanes /proc/cpuinfo reports (the full width
//! measured slower on PoCL) and of 4 along its columns. What varies is what matters there:
//! which of CLBlast's two GEMM kernels runs — GEMMK 0 walks K in steps of KWG = 32; GEMMK 1,
//! made for CPU-like devices, keeps 2-D register tiles and KREG = 4 values of K in registers
//! — and how much of C one work-item keeps in registers: 16 × 8, 16 × 16 or 16 × 32 cells in
//! 8 × 8 work-groups for kernel 0; 16 × 16 cells in 8 × 8 or 4 × 4 work-groups for kernel 1,
//! which needs square tiles. Candidates that break CLBlast's constraints or the device's
//! work-group limit are left out. Each is timed on an n = 1024 product (above the size at
//! which CLBlast switches from its direct kernel to `Xgemm` on every CPU its database knows)
//! and its result checked on sampled cells; the fastest correct one is kept. The first
//! candidate is CLBlast's own choice for Intel CPUs (its 1.5.3 database; the one PoCL's device
//! gets), so the search keeps nothing slower.
//!
//! The file is named after the device and also records its driver: a different device or
//! driver version means a new search. `--retune` searches again; `--no-tune` leaves CLBlast's
//! database alone. Tuning is for CPU devices only; for GPUs CLBlast's database is the better
//! guide.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, ensure};
use common::timing::timed;
use ocl::core::{DeviceInfo, DeviceInfoResult, DeviceType};
use ocl::{Buffer, Device, Queue};
use rand::{RngExt, SeedableRng};

use crate::clblast::Clblast;
use crate::reference::{MAX_RELATIVE_ERROR, sample_cells, sampled_relative_error};

/// The parameters of CLBlast's `Xgemm` kernel, in the order of its database.
pub const NAMES: [&str; 16] = [
    "GEMMK", "KREG", "KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB", "NDIMC", "NWG", "SA", "SB",
    "STRM", "STRN", "VWM", "VWN",
];
/// The side of the product each candidate is timed on.
pub const TUNE_SIZE: usize = 1024;
/// Timed products per candidate (after the one that compiles); the fastest counts.
const TIMED_RUNS: usize = 2;
/// Cells of each candidate's product checked against a double-precision sum.
const SAMPLES: usize = 64;

/// Which CLBlast `gpu-gemm` loads, and how it finds CLBlast's GEMM parameters.
#[derive(clap::Args, Debug, Clone)]
pub struct ClblastArgs {
    /// The CLBlast shared library: a soname or a path.
    #[arg(long = "clblast", default_value = crate::clblast::LIBRARY)]
    pub library: String,
    /// Folder of the tuned-parameter files [default: $XDG_CACHE_HOME or ~/.cache, then
    /// rust-parallel-cookbook/gpu-gemm].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Search again, even when a file holds parameters for this device.
    #[arg(long)]
    pub retune: bool,
    /// Keep CLBlast's own parameters: no search, no file.
    #[arg(long, conflicts_with = "retune")]
    pub no_tune: bool,
    /// Try only the first N candidates of the search (a quicker, rougher search).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub tune_candidates: Option<u32>,
}

/// One set of `Xgemm` parameters, in the order of [`NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xgemm(pub [usize; 16]);

impl Xgemm {
    /// A CPU-minded set (see the module's header) for CLBlast's GEMM kernel `gemmk` (0: a
    /// loop over K in steps of 32; 1: 2-D register tiles, 4 values of K at a time),
    /// `dim`×`dim` work-groups, `mwi`×`nwi` cells of C per work-item, vectors of `vwm` along
    /// C's rows.
    pub fn cpu(gemmk: usize, dim: usize, (mwi, nwi): (usize, usize), vwm: usize) -> Self {
        let vwn = 4;
        let (kreg, kwg, kwi) = if gemmk == 0 { (1, 32, 2) } else { (4, 1, 1) };
        let (mwg, nwg) = (mwi * dim, nwi * dim);
        Self([
            gemmk, kreg, kwg, kwi, dim, dim, mwg, dim, dim, nwg, 0, 0, 0, 0, vwm, vwn,
        ])
    }

    fn get(&self, name: &str) -> usize {
        let index = NAMES.iter().position(|n| *n == name).expect("a known name");
        self.0[index]
    }

    /// CLBlast's constraints on the `Xgemm` parameters (from its tuner), and a work-group no
    /// larger than the device allows.
    pub fn is_valid(&self, max_work_group: usize) -> bool {
        let p = |name| self.get(name);
        let multiple = |x: usize, of: usize| of != 0 && x.is_multiple_of(of);
        let common = multiple(p("KWG"), p("KWI"))
            && multiple(p("MWG"), p("MDIMC") * p("VWM"))
            && multiple(p("NWG"), p("NDIMC") * p("VWN"))
            && multiple(p("MWG"), p("MDIMA") * p("VWM"))
            && multiple(p("NWG"), p("NDIMB") * p("VWN"))
            && p("MDIMC") * p("NDIMC") <= max_work_group;
        let kernel = match p("GEMMK") {
            // KWG must be a multiple of the work-group's K extent when it loads A and B.
            0 => {
                let k_extent = |dim: usize| p("MDIMC") * p("NDIMC") / dim.max(1);
                multiple(p("KWG"), k_extent(p("MDIMA"))) && multiple(p("KWG"), k_extent(p("NDIMB")))
            }
            // Square work-group tiles (MWG = NWG) are not among CLBlast's listed constraints,
            // but its 1.5.3 kernel computes wrong products on PoCL without them (measured).
            1 => {
                multiple(p("KREG"), p("VWN"))
                    && p("MWG") == p("NWG")
                    && p("MDIMC") == p("MDIMA")
                    && p("NDIMC") == p("NDIMB")
                    && p("SA") == 0
                    && p("SB") == 0
            }
            _ => false,
        };
        common && kernel
    }

    /// What one work-item does, e.g. `kernel 0, work-groups 8x8, 16x8 cells per work-item,
    /// vectors 8x4, K step 32`.
    pub fn describe(&self) -> String {
        let p = |name| self.get(name);
        let k = if p("GEMMK") == 0 {
            format!("K step {}", p("KWG"))
        } else {
            format!("{} K values in registers", p("KREG"))
        };
        format!(
            "kernel {}, work-groups {}x{}, {}x{} cells per work-item, vectors {}x{}, {k}",
            p("GEMMK"),
            p("MDIMC"),
            p("NDIMC"),
            p("MWG") / p("MDIMC").max(1),
            p("NWG") / p("NDIMC").max(1),
            p("VWM"),
            p("VWN"),
        )
    }

    /// `GEMMK=0 KREG=1 ...`, as the file keeps it.
    pub fn to_line(self) -> String {
        NAMES
            .iter()
            .zip(self.0)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The reverse of [`Self::to_line`]: every name once, in any order.
    pub fn parse(line: &str) -> Option<Self> {
        let mut values = [None; 16];
        for pair in line.split_whitespace() {
            let (name, value) = pair.split_once('=')?;
            let index = NAMES.iter().position(|n| *n == name)?;
            if values[index].replace(value.parse().ok()?).is_some() {
                return None;
            }
        }
        let mut all = [0; 16];
        for (slot, value) in all.iter_mut().zip(values) {
            *slot = value?;
        }
        Some(Self(all))
    }

    fn pairs(&self) -> Vec<(&'static str, usize)> {
        NAMES.iter().copied().zip(self.0).collect()
    }
}

// ANCHOR: candidates
/// The candidates, in the order they are tried, for a CPU with `lanes` float SIMD lanes.
pub fn candidates(lanes: usize, max_work_group: usize) -> Vec<Xgemm> {
    // CLBlast 1.5.3's database entry for Intel CPUs: the baseline.
    let mut all = vec![Xgemm([0, 1, 32, 2, 16, 16, 64, 8, 8, 64, 0, 0, 0, 0, 4, 4])];
    for cells in [(16, 8), (16, 16), (16, 32)] {
        all.push(Xgemm::cpu(0, 8, cells, lanes / 2));
    }
    for dim in [8, 4] {
        all.push(Xgemm::cpu(1, dim, (16, 16), lanes / 2));
    }
    all.retain(|candidate| candidate.is_valid(max_work_group));
    all.dedup();
    all
}
// ANCHOR_END: candidates

/// What [`apply`] did, for the recipe's line.
#[derive(Debug)]
pub enum Outcome {
    /// CLBlast's own parameters, and why.
    Own(&'static str),
    /// Read from this file.
    Read(PathBuf, Xgemm),
    /// Found now, timed at this rate, and saved to this file.
    Tuned(PathBuf, Xgemm, f64),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Own(why) => write!(f, "CLBlast's own ({why})"),
            Self::Read(path, xgemm) => {
                write!(f, "{} (read from {})", xgemm.describe(), path.display())
            }
            Self::Tuned(path, xgemm, gflops) => write!(
                f,
                "{} (tuned now: {gflops:.1} GFLOP/s at n = {TUNE_SIZE}; saved to {})",
                xgemm.describe(),
                path.display()
            ),
        }
    }
}

/// Gives CLBlast the GEMM parameters of `device`: from its file, or found now by timing the
/// candidates (and then saved), or none at all (`--no-tune`, or not a CPU device); prints
/// `CLBlast GEMM parameters: …` saying which.
pub fn apply(
    clblast: &Clblast,
    queue: &Queue,
    device: &Device,
    lanes: usize,
    args: &ClblastArgs,
) -> anyhow::Result<Outcome> {
    let outcome = choose(clblast, queue, device, lanes, args)?;
    println!("CLBlast GEMM parameters: {outcome}");
    Ok(outcome)
}

fn choose(
    clblast: &Clblast,
    queue: &Queue,
    device: &Device,
    lanes: usize,
    args: &ClblastArgs,
) -> anyhow::Result<Outcome> {
    if args.no_tune {
        return Ok(Outcome::Own("--no-tune"));
    }
    if !matches!(device.info(DeviceInfo::Type)?, DeviceInfoResult::Type(t) if t.contains(DeviceType::CPU))
    {
        return Ok(Outcome::Own(
            "not a CPU device: CLBlast's database covers GPUs",
        ));
    }
    let key = device_key(device)?;
    let dir = match &args.cache_dir {
        Some(dir) => dir.clone(),
        None => default_cache_dir(),
    };
    let path = dir.join(format!("clblast-sgemm-{}.txt", slug(&device.name()?)));
    if !args.retune
        && let Some(xgemm) = read(&path, &key)
    {
        override_xgemm(clblast, device, &xgemm)?;
        return Ok(Outcome::Read(path, xgemm));
    }
    let mut candidates = candidates(lanes, device.max_wg_size()?);
    if let Some(limit) = args.tune_candidates {
        candidates.truncate(limit as usize);
    }
    let (xgemm, gflops) = search(clblast, queue, device, &candidates)?;
    override_xgemm(clblast, device, &xgemm)?;
    write(&path, &key, &xgemm, gflops)?;
    Ok(Outcome::Tuned(path, xgemm, gflops))
}

fn override_xgemm(clblast: &Clblast, device: &Device, xgemm: &Xgemm) -> anyhow::Result<()> {
    clblast
        .override_parameters(device, "Xgemm", &xgemm.pairs())
        .with_context(|| format!("CLBlast refused the GEMM parameters {}", xgemm.to_line()))
}

/// Times every candidate on an n = [`TUNE_SIZE`] product and returns the fastest with its
/// GFLOP/s. A candidate CLBlast cannot compile or run on this device is skipped.
fn search(
    clblast: &Clblast,
    queue: &Queue,
    device: &Device,
    candidates: &[Xgemm],
) -> anyhow::Result<(Xgemm, f64)> {
    let n = TUNE_SIZE;
    println!(
        "Tuning CLBlast's GEMM for this device, once: {} candidates at n = {n}, \
         each compiled first (seconds each; PoCL keeps the compiled kernels on disk)",
        candidates.len()
    );
    let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
    let mut matrix = || -> Vec<f32> { (0..n * n).map(|_| rng.random()).collect() };
    let buffer = |values: &[f32]| {
        Buffer::<f32>::builder()
            .queue(queue.clone())
            .len(n * n)
            .copy_host_slice(values)
            .build()
    };
    let (a, b) = (matrix(), matrix());
    let (a_gpu, b_gpu, c_gpu) = (buffer(&a)?, buffer(&b)?, buffer(&a)?);
    let cells = sample_cells(&mut rng, n, SAMPLES);
    let product = || -> anyhow::Result<()> {
        clblast.sgemm(queue, (n, n, n), 1.0, &a_gpu, &b_gpu, 0.0, &c_gpu)?;
        Ok(queue.finish()?)
    };
    // Some parameter sets compile and run but compute garbage: each is checked.
    let check = || -> anyhow::Result<()> {
        let mut c = vec![0.0; n * n];
        c_gpu.read(&mut c).enq()?;
        let error = sampled_relative_error(&a, &b, &c, n, &cells);
        ensure!(
            error < MAX_RELATIVE_ERROR,
            "wrong products: relative error {error:.1e}"
        );
        Ok(())
    };
    let mut best: Option<(Xgemm, f64)> = None;
    for (index, candidate) in candidates.iter().enumerate() {
        let label = format!(
            "  {}/{} {}",
            index + 1,
            candidates.len(),
            candidate.describe()
        );
        let tried = override_xgemm(clblast, device, candidate).and_then(|()| {
            let (compiled, compile_time) = timed(product);
            compiled?;
            check()?;
            let fastest = (0..TIMED_RUNS)
                .map(|_| {
                    let (done, took) = timed(product);
                    done.map(|()| took)
                })
                .collect::<anyhow::Result<Vec<Duration>>>()?
                .into_iter()
                .min()
                .unwrap_or(Duration::MAX);
            Ok((compile_time, fastest))
        });
        match tried {
            Ok((compile_time, took)) => {
                let gflops = 2.0 * (n as f64).powi(3) / took.as_secs_f64().max(1e-12) / 1e9;
                println!(
                    "{label}: {gflops:.1} GFLOP/s (compiled in {:.1} s)",
                    compile_time.as_secs_f64()
                );
                if best.is_none_or(|(_, fastest)| gflops > fastest) {
                    best = Some((*candidate, gflops));
                }
            }
            Err(error) => println!("{label}: skipped ({error:#})"),
        }
    }
    best.context("no GEMM parameters worked on this device; try --no-tune")
}

/// The device and its driver, as the file records them.
fn device_key(device: &Device) -> anyhow::Result<String> {
    let info = |what| -> anyhow::Result<String> { Ok(device.info(what)?.to_string()) };
    Ok(format!(
        "{} / {} / driver {}",
        device.name()?,
        info(DeviceInfo::Version)?,
        info(DeviceInfo::DriverVersion)?
    ))
}

/// `$XDG_CACHE_HOME/rust-parallel-cookbook/gpu-gemm`, or under `~/.cache`, or the temporary
/// folder when neither is known.
fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("rust-parallel-cookbook").join("gpu-gemm")
}

/// A device name as a file name: lower-case letters, digits and single dashes.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

/// The parameters the file at `path` holds for `key`; `None` when there is no such file, it
/// is for another device or driver, or it does not parse (then a new search replaces it).
fn read(path: &Path, key: &str) -> Option<Xgemm> {
    let text = std::fs::read_to_string(path).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(" = "))
    };
    (field("device")? == key).then_some(())?;
    Xgemm::parse(field("Xgemm")?)
}

fn write(path: &Path, key: &str, xgemm: &Xgemm, gflops: f64) -> anyhow::Result<()> {
    let dir = path.parent().context("the cache file has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = format!(
        "# CLBlast SGEMM parameters tuned by gpu-gemm for one OpenCL device; delete this file \
         (or run with --retune) to search again.\n\
         device = {key}\n\
         gflops = {gflops:.1} at n = {TUNE_SIZE}\n\
         Xgemm = {}\n",
        xgemm.to_line()
    );
    // Written aside and renamed, so a reader never sees half a file.
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_through_the_file_line() {
        let xgemm = Xgemm::cpu(0, 8, (16, 8), 16);
        assert_eq!(Xgemm::parse(&xgemm.to_line()), Some(xgemm));
        assert_eq!(Xgemm::parse("GEMMK=0"), None, "every name is needed");
        let twice = format!("{} GEMMK=1", xgemm.to_line());
        assert_eq!(Xgemm::parse(&twice), None);
        assert_eq!(
            xgemm.describe(),
            "kernel 0, work-groups 8x8, 16x8 cells per work-item, vectors 16x4, K step 32"
        );
    }

    #[test]
    fn candidates_keep_clblasts_constraints() {
        let all = candidates(16, 4096);
        assert_eq!(
            all[0],
            Xgemm([0, 1, 32, 2, 16, 16, 64, 8, 8, 64, 0, 0, 0, 0, 4, 4])
        );
        assert!(all.iter().all(|c| c.is_valid(4096)));
        assert_eq!(all.len(), 6, "{all:?}");
        // 16x16 work-groups are too many work-items for a device that takes 64.
        assert!(
            candidates(16, 64)
                .iter()
                .all(|c| c.get("MDIMC") * c.get("NDIMC") <= 64)
        );
        // MWG must be a multiple of MDIMC·VWM.
        assert!(!Xgemm::cpu(0, 8, (4, 8), 16).is_valid(4096));
        assert!(
            !Xgemm::cpu(1, 8, (16, 8), 8).is_valid(4096),
            "kernel 1 takes square tiles"
        );
        let kernel_1 = Xgemm::cpu(1, 8, (16, 16), 8);
        assert!(kernel_1.is_valid(4096));
        assert_eq!(
            kernel_1.describe(),
            "kernel 1, work-groups 8x8, 16x16 cells per work-item, vectors 8x4, \
             4 K values in registers"
        );
    }

    #[test]
    fn device_names_become_file_names() {
        assert_eq!(
            slug("pthread-skylake-avx512-Intel(R) Xeon(R) Processor"),
            "pthread-skylake-avx512-intel-r-xeon-r-processor"
        );
    }

    #[test]
    fn the_file_is_read_back_only_for_its_device() {
        let dir = std::env::temp_dir().join(format!("gpu-gemm-tuning-{}", std::process::id()));
        let path = dir.join("x.txt");
        let xgemm = Xgemm::cpu(1, 4, (16, 16), 8);
        write(&path, "cpu / OpenCL 1.2 / driver 3", &xgemm, 12.5).expect("written");
        assert_eq!(read(&path, "cpu / OpenCL 1.2 / driver 3"), Some(xgemm));
        assert_eq!(read(&path, "cpu / OpenCL 1.2 / driver 4"), None);
        std::fs::write(
            &path,
            "device = cpu / OpenCL 1.2 / driver 3\nXgemm = KWG=x\n",
        )
        .expect("rewritten");
        assert_eq!(read(&path, "cpu / OpenCL 1.2 / driver 3"), None);
        std::fs::remove_dir_all(&dir).expect("removed");
    }
}
