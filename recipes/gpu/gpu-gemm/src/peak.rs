//! The CPU's single-precision peak, the ceiling against which GFLOP/s are read:
//! cores × clock × FMA units per core × SIMD lanes × 2 flops per fused multiply-add.
//!
//! Cores, clock and instruction sets come from /proc/cpuinfo: the distinct (`physical id`,
//! `core id`) pairs (hyper-threads share a core's FMA units), the first `cpu MHz` (the nominal
//! clock on a virtual machine; turbo may beat it), and the `flags`: `avx512f` gives 16 float
//! lanes, `avx` 8, otherwise SSE's 4. The number of FMA units is not in /proc/cpuinfo; two is
//! what AVX-512 server cores (Skylake-SP Gold and Platinum and later) and every AVX2 core since
//! Haswell have. Without `fma`, a core has one multiply and one add unit: also 2 flops a lane.

/// Prints `CPU fp32 peak: …` when /proc/cpuinfo tells enough, and returns the SIMD lanes
/// (8, AVX's, when it does not).
pub fn print_peak() -> usize {
    match Peak::of_this_machine() {
        Some(peak) => {
            println!("CPU fp32 peak: {}", peak.describe());
            peak.lanes
        }
        None => 8,
    }
}

/// What the peak is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Peak {
    pub cores: usize,
    pub mhz: f64,
    pub fma_units: usize,
    pub lanes: usize,
    pub isa: &'static str,
}

impl Peak {
    /// Reads /proc/cpuinfo; `None` where it is missing or says too little (not Linux on x86).
    pub fn of_this_machine() -> Option<Self> {
        Self::parse(&std::fs::read_to_string("/proc/cpuinfo").ok()?)
    }

    /// The peak described by the text of a /proc/cpuinfo.
    pub fn parse(cpuinfo: &str) -> Option<Self> {
        let mut cores = std::collections::BTreeSet::new();
        let (mut mhz, mut flags) = (None, None);
        let (mut physical, mut processors) = ("0", 0);
        for line in cpuinfo.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            match key {
                "processor" => processors += 1,
                "physical id" => physical = value,
                "core id" => {
                    cores.insert((physical.to_owned(), value.to_owned()));
                }
                "cpu MHz" if mhz.is_none() => mhz = value.parse::<f64>().ok(),
                "flags" if flags.is_none() => flags = Some(value),
                _ => {}
            }
        }
        let flags: Vec<&str> = flags?.split_whitespace().collect();
        let has = |flag: &str| flags.contains(&flag);
        let (lanes, isa) = if has("avx512f") {
            (16, "AVX-512")
        } else if has("avx") {
            (8, "AVX")
        } else {
            (4, "SSE")
        };
        Some(Self {
            // A cpuinfo without core ids (some virtual machines) counts processors.
            cores: if cores.is_empty() {
                processors
            } else {
                cores.len()
            },
            mhz: mhz?,
            fma_units: 2,
            lanes,
            isa,
        })
    }

    /// Single-precision GFLOP/s at the peak.
    pub fn gflops(&self) -> f64 {
        self.cores as f64 * self.mhz / 1e3 * self.fma_units as f64 * self.lanes as f64 * 2.0
    }

    /// `2 cores × 2.60 GHz × 2 FMA units × 16 lanes (AVX-512) × 2 = 332.8 GFLOP/s`.
    pub fn describe(&self) -> String {
        format!(
            "{} cores × {:.2} GHz × {} FMA units × {} lanes ({}) × 2 = {:.1} GFLOP/s",
            self.cores,
            self.mhz / 1e3,
            self.fma_units,
            self.lanes,
            self.isa,
            self.gflops()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_CORES: &str = "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\
        cpu MHz\t\t: 2600.000\nflags\t\t: fpu sse2 avx avx2 fma avx512f\n\n\
        processor\t: 1\nphysical id\t: 0\ncore id\t\t: 1\ncpu MHz\t\t: 2600.000\n\
        flags\t\t: fpu sse2 avx avx2 fma avx512f\n";

    #[test]
    fn avx512_cores_give_sixteen_lanes() {
        let peak = Peak::parse(TWO_CORES).expect("a peak");
        assert_eq!((peak.cores, peak.lanes, peak.isa), (2, 16, "AVX-512"));
        assert!((peak.gflops() - 332.8).abs() < 1e-9);
        assert_eq!(
            peak.describe(),
            "2 cores × 2.60 GHz × 2 FMA units × 16 lanes (AVX-512) × 2 = 332.8 GFLOP/s"
        );
    }

    #[test]
    fn hyper_threads_share_a_core() {
        let twins = TWO_CORES.replace("core id\t\t: 1", "core id\t\t: 0");
        assert_eq!(Peak::parse(&twins).expect("a peak").cores, 1);
        let avx2 = TWO_CORES.replace(" avx512f", "");
        assert_eq!(Peak::parse(&avx2).expect("a peak").lanes, 8);
        assert_eq!(Peak::parse("processor : 0\n"), None);
    }
}
