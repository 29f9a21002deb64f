//! Runs the real `thread-barrier` binary and checks the race it printed: every runner reached
//! the barrier before any left it, and exactly one left as its leader.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-barrier");

/// The runners' lines in output order.
#[derive(Debug, Default)]
struct Race {
    reached: Vec<String>,
    left: Vec<String>,
    leaders: Vec<String>,
}

fn parse(stdout: &str) -> Race {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"START RACE!!!!"), "{stdout}");
    let mut race = Race::default();
    for line in &lines[1..lines.len() - 2] {
        if let Some((name, time)) = line.split_once(" reached the barrier at: ") {
            assert!(
                race.left.is_empty(),
                "{name} arrived after a runner left:\n{stdout}"
            );
            assert_eq!(time.split_whitespace().count(), 5, "ctime shape: {line}");
            race.reached.push(name.to_owned());
        } else if let Some(name) = line.strip_suffix(" left the barrier, as its leader") {
            race.left.push(name.to_owned());
            race.leaders.push(name.to_owned());
        } else if let Some(name) = line.strip_suffix(" left the barrier") {
            race.left.push(name.to_owned());
        } else {
            panic!("unexpected line {line:?}");
        }
    }
    assert_eq!(lines[lines.len() - 2], "Race over!", "{stdout}");
    let leader = race.leaders.first().expect("a leader");
    assert!(
        lines[lines.len() - 1]
            .ends_with(&format!("arrived before any left; the leader was {leader}")),
        "{stdout}"
    );
    race
}

fn sorted(names: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_unstable();
    names
}

#[test]
fn huey_dewey_and_louie_all_arrive_before_any_leaves() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    let race = parse(&run.stdout);
    assert_eq!(sorted(&race.reached), ["Dewey", "Huey", "Louie"]);
    assert_eq!(sorted(&race.left), ["Dewey", "Huey", "Louie"]);
    assert_eq!(race.leaders.len(), 1, "exactly one leader");
    assert!(run.stdout.ends_with(&format!(
        "Barrier held: all 3 runners arrived before any left; the leader was {}\n",
        race.leaders[0]
    )));
}

#[test]
fn more_runners_get_numbered_names() {
    for seed in ["1", "2", "3"] {
        let run = run_ok(BIN, &["--runners", "6", "--seed", seed, "--tick-ms", "1"]);
        let race = parse(&run.stdout);
        let expected = ["Dewey", "Huey", "Louie", "Runner-4", "Runner-5", "Runner-6"];
        assert_eq!(sorted(&race.reached), expected);
        assert_eq!(sorted(&race.left), expected);
        assert_eq!(race.leaders.len(), 1);
    }
}

#[test]
fn a_single_runner_leads_itself() {
    let run = run_ok(BIN, &["--runners", "1", "--tick-ms", "0"]);
    let race = parse(&run.stdout);
    assert_eq!(
        (race.reached, race.leaders),
        (vec!["Huey".to_owned()], vec!["Huey".to_owned()])
    );
    assert!(run.stdout.contains("Barrier held: the only runner arrived"));
}

#[test]
fn zero_runners_is_refused_by_the_parser() {
    run_fails(BIN, &["--runners", "0"], 2, "--runners");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    let message = "'1001' for '--runners <RUNNERS>': 1001 is not in 1..=1000";
    run_fails(BIN, &["--runners", "1001"], 2, message);
}
