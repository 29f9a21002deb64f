//! One-command MPI: `cargo run -p mpi-hello` starts a single process; this helper notices that
//! no MPI launcher started it and replaces it with `mpiexec -n <ranks> <same binary> <same args>`.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables a launcher sets in every rank it starts: MPICH's Hydra (`PMI_*`), PMIx-based
/// launchers and Open MPI's `mpirun`.
const LAUNCHER_VARS: &[&str] = &["PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE"];

/// Set on the relaunched job so that a launcher which sets none of the variables above cannot
/// make the recipe relaunch itself forever.
const RELAUNCHED_ENV: &str = "COOKBOOK_MPI_RELAUNCHED";

/// True when a launcher started this process (judged from the environment `var` reads).
pub fn started_by_launcher(var: impl Fn(&str) -> Option<OsString>) -> bool {
    LAUNCHER_VARS
        .iter()
        .chain(&[RELAUNCHED_ENV])
        .any(|name| var(name).is_some())
}

/// The `mpiexec -n <ranks> <exe> <args>` command line.
pub fn relaunch_command(mpiexec: &Path, ranks: u32, exe: &Path, args: &[OsString]) -> Command {
    let mut command = Command::new(mpiexec);
    command
        .arg("-n")
        .arg(ranks.to_string())
        .arg(exe)
        .args(args)
        .env(RELAUNCHED_ENV, "1");
    command
}

/// Finds `mpiexec` on `PATH`.
pub fn find_mpiexec() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("mpiexec"))
        .find(|candidate| candidate.is_file())
}

/// Returns at once inside an MPI job; otherwise execs `mpiexec -n <ranks>` on this binary with
/// the same arguments and never returns. Errors only when that cannot be done.
pub fn ensure_launched(ranks: u32) -> anyhow::Result<()> {
    if started_by_launcher(|name| std::env::var_os(name)) {
        return Ok(());
    }
    anyhow::ensure!(ranks > 0, "--ranks must be at least 1");
    let mpiexec = find_mpiexec().ok_or_else(|| {
        anyhow::anyhow!("mpiexec not found on PATH: MPI recipes need MPICH; run scripts/setup.sh")
    })?;
    let exe = std::env::current_exe()?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let error = relaunch_command(&mpiexec, ranks, &exe, &args).exec();
    Err(anyhow::anyhow!(
        "cannot start {}: {error}",
        mpiexec.display()
    ))
}

/// Checks that the MPI library sees the world the launcher started. A launcher from one MPI
/// and a library from another (MPICH's `mpiexec` with Open MPI's library) starts N singleton
/// jobs that each see a world of 1, and every rank would then run alone.
pub fn check_world_size(world_size: i32) -> anyhow::Result<()> {
    let launched = ["PMI_SIZE", "OMPI_COMM_WORLD_SIZE"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse::<i32>().ok());
    match launched {
        Some(size) if size != world_size => anyhow::bail!(
            "the launcher started {size} ranks but MPI sees a world of {world_size}: \
             mpiexec and the MPI library come from different MPI installations"
        ),
        _ => Ok(()),
    }
}

/// Ends a job whose world cannot work (too few ranks, a size that does not fit the data):
/// rank 0 returns the error, printed once with exit status 1; the other ranks end quietly.
/// Returning, rather than `MPI_Abort`, lets mpiexec pass the message on before it exits.
pub fn stop_job(rank: i32, message: String) -> anyhow::Result<()> {
    if rank == 0 {
        anyhow::bail!(message)
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(names: &'static [&'static str]) -> impl Fn(&str) -> Option<OsString> {
        move |name| names.contains(&name).then(|| OsString::from("0"))
    }

    #[test]
    fn a_plain_start_is_not_launched() {
        assert!(!started_by_launcher(env_with(&["HOME", "PATH"])));
    }

    #[test]
    fn hydra_and_open_mpi_variables_mean_launched() {
        assert!(started_by_launcher(env_with(&["PMI_RANK"])));
        assert!(started_by_launcher(env_with(&["OMPI_COMM_WORLD_SIZE"])));
    }

    #[test]
    fn the_relaunch_marker_stops_a_loop() {
        assert!(started_by_launcher(env_with(&["COOKBOOK_MPI_RELAUNCHED"])));
    }

    #[test]
    fn only_rank_zero_reports_a_stopped_job() {
        assert!(stop_job(1, "too few ranks".into()).is_ok());
        let error = stop_job(0, "too few ranks".into()).unwrap_err();
        assert_eq!(error.to_string(), "too few ranks");
    }

    #[test]
    fn relaunch_passes_ranks_binary_and_arguments() {
        let args = [OsString::from("--ranks"), OsString::from("4")];
        let command = relaunch_command(
            Path::new("/usr/bin/mpiexec"),
            4,
            Path::new("/bin/mpi-hello"),
            &args,
        );
        assert_eq!(command.get_program(), "/usr/bin/mpiexec");
        let seen: Vec<_> = command.get_args().collect();
        assert_eq!(seen, ["-n", "4", "/bin/mpi-hello", "--ranks", "4"]);
    }
}
