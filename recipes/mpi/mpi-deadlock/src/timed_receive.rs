//! The receive of `mpi-deadlock`: it blocks like mpi4py's `comm.recv`, but only up to a
//! deadline, so the book's deadlocking order ends with an explanation instead of a hang.

use std::time::{Duration, Instant};

use mpi::topology::Process;
use mpi::traits::*;

// ANCHOR: receive_within
/// A blocking receive of one byte from `partner` that waits at most `timeout`: the receive is
/// posted at once, then tested until it completes or the time is up, when it is cancelled.
pub fn receive_within(partner: &Process, timeout: Duration) -> Option<u8> {
    let deadline = Instant::now() + timeout;
    let mut byte = 0u8;
    let arrived = mpi::request::scope(|scope| {
        let mut request = partner.immediate_receive_into(scope, &mut byte);
        loop {
            match request.test() {
                Ok(_status) => return true,
                Err(pending) if Instant::now() < deadline => {
                    request = pending;
                    std::thread::yield_now();
                }
                Err(pending) => {
                    pending.cancel();
                    pending.wait();
                    return false;
                }
            }
        }
    });
    arrived.then_some(byte)
}
// ANCHOR_END: receive_within
