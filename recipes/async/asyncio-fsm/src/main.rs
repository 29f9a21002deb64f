//! # Handling coroutines with asyncio: a finite state machine
//!
//! Book: 1st edition §4.4 "Handling coroutines with Asyncio", `coroutines.py`; 2nd edition
//! chapter 5, "Handling coroutines with asyncio", `asyncio_coroutine.py`.
//!
//! A finite state machine with a start state, three inner states and an end state. Each state
//! is an async function: it draws a random 0 or 1, takes a book second to "evaluate", and the
//! draw picks the next state. When the end state is reached, the whole path is printed, one
//! transition a line.
//!
//! ```text
//! state      draws 0    draws 1
//! Start      State 2    State 1
//! State 1    State 3    State 2
//! State 2    State 1    State 3
//! State 3    State 1    End
//! ```
//!
//! ## Run
//!
//! ```text
//! cargo run -p asyncio-fsm                          # a random path, 50 ms per state
//! cargo run -p asyncio-fsm -- --seed 7              # the same path every time
//! cargo run -p asyncio-fsm -- --edition ed2 --book  # 2nd edition wording, 1 s per state
//! ```
//!
//! ## Python → Rust
//!
//! - `@asyncio.coroutine` generators → `async fn`s (the decorator is gone since Python 3.11).
//! - `result = yield from state2(value)`: in the book each state calls the next one and builds
//!   the trace on the way back up, so the call stack grows with the path. Here each state's
//!   `async fn` returns the value it drew and the state it chose, and a loop awaits the next
//!   state: same order of events, constant stack, and the trace is a `Vec` of transitions.
//! - `randint(0, 1)` → `SmallRng::random_range(0..=1)`, seeded by `--seed` so a path can be
//!   repeated.
//! - `loop.run_until_complete(start_state())` → `block_on` on a current-thread runtime.
//!
//! ## Differences from the book
//!
//! - The states spend their second with `time.sleep(1)`, which blocks the whole event loop;
//!   here they await `tokio::time::sleep`, one tick of `--tick-ms` (50 ms by default; `--book`
//!   for 1 s). With one coroutine running the output is the same; the loop is just free
//!   meanwhile.
//! - `--seed` makes a run repeatable; without it the seed is random, and the last line prints
//!   it so an interesting path can be replayed.
//! - The run checks that the trace is a path of the machine above (from Start to End, each
//!   step an edge with its value), and its last line says so: `Path checked: 7 transitions
//!   from Start State to End State, each an edge of the machine (--seed … repeats it)`.
//! - `--edition ed1` (default) prints `...Evaluating...` and `...Stop Computation...`,
//!   `--edition ed2` the lower-case `...evaluating...` and `...stop computation...`. Trailing
//!   spaces (`Resume of the Transition : `) are dropped, and so is the blank line the book's
//!   trace ends with.

use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

#[derive(Parser)]
#[command(about = "A finite state machine of async functions with random transitions")]
struct Args {
    /// Which edition's wording to print.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Seed for the 0/1 draws; random when absent (the last line prints it).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    One,
    Two,
    Three,
    End,
}

impl State {
    fn name(self) -> &'static str {
        ["Start State", "State 1", "State 2", "State 3", "End State"][self as usize]
    }
}

/// One line of the book's trace: (from, the value it drew, the state it called).
type Transition = (State, u32, State);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut machine = Machine::new(seed, args.pace.tick(), args.edition);
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    println!("Finite State Machine simulation with Asyncio Coroutine");
    let trace = event_loop.block_on(run_machine(&mut machine));
    println!("Resume of the Transition :");
    for (from, value, to) in &trace {
        let (from, to) = (from.name(), to.name());
        println!("{from} calling {to} with transition value = {value}");
    }
    check(&trace)?;
    println!(
        "Path checked: {} transitions from Start State to End State, each an edge of the \
         machine (--seed {seed} repeats it)",
        trace.len()
    );
    Ok(())
}

/// What the states share: the random draws, the pace of their work, and the edition's
/// `...Evaluating...` and `...Stop Computation...`.
struct Machine {
    rng: SmallRng,
    tick: Duration,
    words: [&'static str; 2],
}

impl Machine {
    fn new(seed: u64, tick: Duration, edition: Edition) -> Self {
        let words = match edition {
            Edition::Ed1 => ["...Evaluating...", "...Stop Computation..."],
            Edition::Ed2 => ["...evaluating...", "...stop computation..."],
        };
        let rng = SmallRng::seed_from_u64(seed);
        Self { rng, tick, words }
    }

    /// `randint(0, 1)`, then the book's one second of work, awaited: the loop stays free.
    async fn draw_and_work(&mut self) -> u32 {
        let value = self.rng.random_range(0..=1);
        tokio::time::sleep(self.tick).await;
        value
    }

    fn evaluating(&self) {
        println!("{}", self.words[0]);
    }
}

// ANCHOR: run_machine
/// `run_until_complete(start_state())`: awaits one state after the other, each returning the
/// value it drew and the state it chose, until the end state; returns the path taken.
async fn run_machine(machine: &mut Machine) -> Vec<Transition> {
    let mut trace = Vec::new();
    let mut state = State::Start;
    loop {
        let (value, to) = match state {
            State::Start => start_state(machine).await,
            State::One => state1(machine).await,
            State::Two => state2(machine).await,
            State::Three => state3(machine).await,
            State::End => {
                end_state(machine);
                return trace;
            }
        };
        trace.push((state, value, to));
        state = to;
    }
}
// ANCHOR_END: run_machine

// ANCHOR: states
async fn start_state(machine: &mut Machine) -> (u32, State) {
    println!("Start State called\n");
    let value = machine.draw_and_work().await;
    (value, if value == 0 { State::Two } else { State::One })
}

async fn state1(machine: &mut Machine) -> (u32, State) {
    let value = machine.draw_and_work().await;
    machine.evaluating();
    (value, if value == 0 { State::Three } else { State::Two })
}

async fn state2(machine: &mut Machine) -> (u32, State) {
    let value = machine.draw_and_work().await;
    machine.evaluating();
    (value, if value == 0 { State::One } else { State::Three })
}

async fn state3(machine: &mut Machine) -> (u32, State) {
    let value = machine.draw_and_work().await;
    machine.evaluating();
    (value, if value == 0 { State::One } else { State::End })
}

fn end_state(machine: &Machine) {
    println!("{}", machine.words[1]);
}
// ANCHOR_END: states

/// The machine's edges, as the book's figure draws them: (from, value drawn, to).
#[rustfmt::skip]
const EDGES: [Transition; 8] = [
    (State::Start, 0, State::Two),  (State::Start, 1, State::One),
    (State::One, 0, State::Three),  (State::One, 1, State::Two),
    (State::Two, 0, State::One),    (State::Two, 1, State::Three),
    (State::Three, 0, State::One),  (State::Three, 1, State::End),
];

/// The trace is a path of the machine's edges from Start to End.
fn check(trace: &[Transition]) -> anyhow::Result<()> {
    let mut at = State::Start;
    for &(from, value, to) in trace {
        let (step, name) = ((from, value, to), from.name());
        ensure!(from == at, "the path breaks: {name} follows {}", at.name());
        ensure!(
            EDGES.contains(&step),
            "{step:?} is not an edge of the machine"
        );
        at = to;
    }
    ensure!(at == State::End, "the path ends at {}", at.name());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On tokio's paused clock a run takes exactly one second per state before the end, and
    /// every seed gives a valid path.
    #[tokio::test(start_paused = true)]
    async fn every_state_but_the_end_takes_one_second() {
        for seed in 0..50 {
            let mut machine = Machine::new(seed, Duration::from_secs(1), Edition::Ed1);
            let start = tokio::time::Instant::now();
            let trace = run_machine(&mut machine).await;
            assert_eq!(start.elapsed(), Duration::from_secs(trace.len() as u64));
            check(&trace).unwrap();
            assert_eq!(trace.last(), Some(&(State::Three, 1, State::End)));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_seed_repeats_its_path() {
        let path = |seed| async move {
            let mut machine = Machine::new(seed, Duration::from_millis(1), Edition::Ed2);
            run_machine(&mut machine).await
        };
        assert_eq!(path(3).await, path(3).await);
        let mut distinct = Vec::new();
        for seed in 0..20 {
            let trace = path(seed).await;
            if !distinct.contains(&trace) {
                distinct.push(trace);
            }
        }
        assert!(distinct.len() > 3, "the draws do not vary with the seed");
    }

    #[test]
    fn check_rejects_what_is_not_a_path() {
        use State::*;
        let good = [(Start, 0, Two), (Two, 1, Three), (Three, 1, End)];
        assert!(check(&good).is_ok());
        let error = check(&[(Start, 1, Three), (Three, 1, End)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "(Start, 1, Three) is not an edge of the machine"
        );
        let broken = check(&[(Start, 0, Two), (Three, 1, End)]).unwrap_err();
        assert_eq!(
            broken.to_string(),
            "the path breaks: State 3 follows State 2"
        );
        let short = check(&good[..2]).unwrap_err();
        assert_eq!(short.to_string(), "the path ends at State 3");
        assert!(check(&[]).is_err());
    }

    #[test]
    fn states_have_the_books_names() {
        assert_eq!(State::Start.name(), "Start State");
        assert_eq!(State::Three.name(), "State 3");
        assert_eq!(State::End.name(), "End State");
    }
}
