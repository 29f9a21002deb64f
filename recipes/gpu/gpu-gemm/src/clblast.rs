//! CLBlast, the OpenCL BLAS (cuBLAS's counterpart on any OpenCL device), seen from Rust: the
//! two functions of its C API (`clblast_c.h`, version 1.5) this recipe calls, the status codes
//! they return, and a safe wrapper around each.
//!
//! CLBlast works on the handles an OpenCL program already has: a command queue and buffers.
//! `ocl` exposes them (`as_core().as_ptr()`), so the product runs on `ocl`'s own queue and
//! buffers and needs no second binding. (The `clblast` crate does not build against Debian's
//! library; these few declarations do the job.)
//!
//! The library is loaded when the recipe starts (`dlopen`) rather than linked when it is built:
//! a machine without CLBlast still builds the whole workspace, and running the recipe there
//! ends in one line that names `scripts/setup.sh` instead of the dynamic loader's message.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::fmt;

use anyhow::anyhow;
use ocl::core::ffi::{cl_command_queue, cl_device_id, cl_event, cl_mem};
use ocl::{Buffer, Context, Device, Platform, Queue};

/// The shared library, by its soname (Debian's `libclblast1`, which `libclblast-dev` brings).
pub const LIBRARY: &str = "libclblast.so.1";

// The values of `clblast_c.h`'s enums (C enums are passed as `int`).
const LAYOUT_ROW_MAJOR: c_int = 101;
const TRANSPOSE_NO: c_int = 111;
const PRECISION_SINGLE: c_int = 32;

// ANCHOR: ffi
/// `CLBlastSgemm`: C = alpha·op(A)·op(B) + beta·C on `*queue`; `event` may be null.
type SgemmFn = unsafe extern "C" fn(
    layout: c_int,
    a_transpose: c_int,
    b_transpose: c_int,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: cl_mem,
    a_offset: usize,
    a_ld: usize,
    b: cl_mem,
    b_offset: usize,
    b_ld: usize,
    beta: f32,
    c: cl_mem,
    c_offset: usize,
    c_ld: usize,
    queue: *mut cl_command_queue,
    event: *mut cl_event,
) -> c_int;
// ANCHOR_END: ffi

/// `CLBlastOverrideParameters`: replaces the tuning parameters of one kernel on one device;
/// the next call that uses the kernel compiles it again with them.
type OverrideParametersFn = unsafe extern "C" fn(
    device: cl_device_id,
    kernel_name: *const c_char,
    precision: c_int,
    num_parameters: usize,
    parameters_names: *const *const c_char,
    parameters_values: *const usize,
) -> c_int;

// The dynamic loader's three calls (in glibc's libc, which every Rust program links).
const RTLD_NOW: c_int = 2;
#[allow(unsafe_code)] // declarations of C functions
unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

/// A CLBlast status code other than `CLBlastSuccess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub i32);

impl Status {
    /// The name `clblast_c.h` gives the code, for the codes this recipe can meet.
    pub fn name(self) -> &'static str {
        match self.0 {
            -4 => "CLBlastTempBufferAllocFailure",
            -5 => "CLBlastOpenCLOutOfResources",
            -6 => "CLBlastOpenCLOutOfHostMemory",
            -11 => "CLBlastOpenCLBuildProgramFailure",
            -36 => "CLBlastInvalidCommandQueue",
            -38 => "CLBlastInvalidMemObject",
            -54 => "CLBlastInvalidLocalThreadsTotal",
            -55 => "CLBlastInvalidLocalThreadsDim",
            -1017 => "CLBlastInvalidDimension",
            -1011 => "CLBlastInsufficientMemoryA",
            -1010 => "CLBlastInsufficientMemoryB",
            -1009 => "CLBlastInsufficientMemoryC",
            -2048 => "CLBlastInvalidOverrideKernel",
            -2047 => "CLBlastMissingOverrideParameter",
            -2046 => "CLBlastInvalidLocalMemUsage",
            -2041 => "CLBlastDatabaseError",
            -2040 => "CLBlastUnknownError",
            -2039 => "CLBlastUnexpectedError",
            _ => "an OpenCL or CLBlast error",
        }
    }

    fn check(code: c_int) -> Result<(), Status> {
        if code == 0 { Ok(()) } else { Err(Status(code)) }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CLBlast status {} ({})", self.0, self.name())
    }
}

impl std::error::Error for Status {}

/// The loaded library: its functions this recipe calls. It stays loaded until the process
/// ends (CLBlast keeps compiled kernels in static caches).
#[derive(Clone, Copy)]
pub struct Clblast {
    sgemm: SgemmFn,
    override_parameters: OverrideParametersFn,
}

impl Clblast {
    /// Loads CLBlast from `library` (a soname such as [`LIBRARY`], or a path), or fails with
    /// one line naming scripts/setup.sh.
    #[allow(unsafe_code)] // dlopen/dlsym, and the symbols' types
    pub fn load(library: &str) -> anyhow::Result<Self> {
        let missing = |why: String| {
            anyhow!(
                "CLBlast not found ({why}): install it with scripts/setup.sh \
                 (Debian's libclblast-dev)"
            )
        };
        let name = CString::new(library).map_err(|_| missing(format!("{library:?}")))?;
        // SAFETY: `name` is a NUL-terminated string that outlives the call. Loading runs the
        // library's initialisers; CLBlast's only set up its empty caches.
        let handle = unsafe { dlopen(name.as_ptr(), RTLD_NOW) };
        if handle.is_null() {
            return Err(missing(loader_error()));
        }
        let symbol = |name: &CStr| {
            // SAFETY: `handle` came from a successful dlopen and is never closed; `name` is
            // NUL-terminated.
            let address = unsafe { dlsym(handle, name.as_ptr()) };
            if address.is_null() {
                Err(missing(format!("{library} has no {name:?}")))
            } else {
                Ok(address)
            }
        };
        let sgemm = symbol(c"CLBlastSgemm")?;
        let override_parameters = symbol(c"CLBlastOverrideParameters")?;
        // SAFETY: both symbols are functions of CLBlast's C API, whose signatures (in
        // clblast_c.h, unchanged since version 1.0) are the types declared above; a function
        // address and a data pointer have the same size on every platform with dlsym.
        Ok(unsafe {
            Self {
                sgemm: std::mem::transmute::<*mut c_void, SgemmFn>(sgemm),
                override_parameters: std::mem::transmute::<*mut c_void, OverrideParametersFn>(
                    override_parameters,
                ),
            }
        })
    }

    // ANCHOR: sgemm
    /// Enqueues C = alpha·A·B + beta·C on `queue`, with row-major A (m×k), B (k×n) and C
    /// (m×n), none transposed. Returns once the work is enqueued: `queue.finish()` waits for
    /// it. Its first call on a device (and the first after [`Self::override_parameters`])
    /// compiles CLBlast's kernels, which takes seconds.
    #[allow(unsafe_code)] // the FFI call
    #[allow(clippy::too_many_arguments)] // BLAS's own argument list
    pub fn sgemm(
        &self,
        queue: &Queue,
        (m, n, k): (usize, usize, usize),
        alpha: f32,
        a: &Buffer<f32>,
        b: &Buffer<f32>,
        beta: f32,
        c: &Buffer<f32>,
    ) -> Result<(), Status> {
        // CLBlast checks these too; checking here keeps the promise of a safe function.
        let fits = |buffer: &Buffer<f32>, rows: usize, cols: usize| {
            rows.checked_mul(cols)
                .is_some_and(|cells| cells > 0 && buffer.len() >= cells)
        };
        for (ok, code) in [
            (fits(a, m, k), -1011),
            (fits(b, k, n), -1010),
            (fits(c, m, n), -1009),
        ] {
            if !ok {
                return Err(Status(code));
            }
        }
        let mut queue = queue.as_core().as_ptr();
        // SAFETY: the handles are live objects of one OpenCL context, held by `queue`, `a`,
        // `b` and `c` for the whole call; each buffer holds at least the cells its leading
        // dimension and size make CLBlast touch (checked above). OpenCL retains the buffers
        // until the enqueued kernels finish, so they may be dropped before then. A null event
        // pointer asks for no event.
        Status::check(unsafe {
            (self.sgemm)(
                LAYOUT_ROW_MAJOR,
                TRANSPOSE_NO,
                TRANSPOSE_NO,
                m,
                n,
                k,
                alpha,
                a.as_core().as_ptr(),
                0,
                k,
                b.as_core().as_ptr(),
                0,
                n,
                beta,
                c.as_core().as_ptr(),
                0,
                n,
                &mut queue,
                std::ptr::null_mut(),
            )
        })
    }

    // ANCHOR_END: sgemm

    /// Sets the single-precision tuning parameters of CLBlast's kernel `kernel` (e.g. "Xgemm")
    /// on `device`; every parameter of that kernel must be given.
    #[allow(unsafe_code)] // the FFI call
    pub fn override_parameters(
        &self,
        device: &Device,
        kernel: &str,
        parameters: &[(&str, usize)],
    ) -> Result<(), Status> {
        let invalid = Status(-2048);
        let kernel = CString::new(kernel).map_err(|_| invalid)?;
        let names: Vec<CString> = parameters
            .iter()
            .map(|(name, _)| CString::new(*name).map_err(|_| invalid))
            .collect::<Result<_, _>>()?;
        let name_pointers: Vec<*const c_char> = names.iter().map(|name| name.as_ptr()).collect();
        let values: Vec<usize> = parameters.iter().map(|(_, value)| *value).collect();
        // SAFETY: the device handle is live (held by `device`); `kernel` and every name are
        // NUL-terminated and outlive the call; both arrays hold `parameters.len()` entries.
        // CLBlast copies what it reads.
        Status::check(unsafe {
            (self.override_parameters)(
                device.as_core().as_raw(),
                kernel.as_ptr(),
                PRECISION_SINGLE,
                parameters.len(),
                name_pointers.as_ptr(),
                values.as_ptr(),
            )
        })
    }
}

/// Loads CLBlast from `library` and opens a command queue on `device`, the queue CLBlast's
/// calls go to.
pub fn open(library: &str, platform: Platform, device: Device) -> anyhow::Result<(Clblast, Queue)> {
    let clblast = Clblast::load(library)?;
    let context = Context::builder()
        .platform(platform)
        .devices(device)
        .build()?;
    Ok((clblast, Queue::new(&context, device, None)?))
}

/// A device buffer on `queue`'s device holding a copy of `values`.
pub fn buffer(queue: &Queue, values: &[f32]) -> ocl::Result<Buffer<f32>> {
    Buffer::builder()
        .queue(queue.clone())
        .len(values.len())
        .copy_host_slice(values)
        .build()
}

/// The dynamic loader's last error, as text.
#[allow(unsafe_code)] // dlerror
fn loader_error() -> String {
    // SAFETY: dlerror returns null or a NUL-terminated string owned by the loader, valid
    // until the next loader call on this thread; it is copied at once.
    let message = unsafe { dlerror() };
    if message.is_null() {
        "the dynamic loader gave no reason".to_owned()
    } else {
        // SAFETY: as above.
        unsafe { CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_one_line_naming_the_setup_script() {
        let Err(error) = Clblast::load("/nonexistent/libclblast.so.1") else {
            panic!("loaded a library that does not exist");
        };
        let line = format!("{error:#}");
        assert!(line.starts_with("CLBlast not found ("), "{line}");
        assert!(line.contains("/nonexistent/libclblast.so.1"), "{line}");
        assert!(
            line.ends_with("scripts/setup.sh (Debian's libclblast-dev)"),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn status_codes_print_with_their_names() {
        assert_eq!(
            Status(-2047).to_string(),
            "CLBlast status -2047 (CLBlastMissingOverrideParameter)"
        );
        assert_eq!(Status::check(0), Ok(()));
        assert_eq!(Status::check(-11), Err(Status(-11)));
    }
}
