//! Runs the real `intro-rust-basics` binary and checks what it printed, part by part.

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_intro-rust-basics");

const PARTS: [&str; 6] = ["tour", "classes", "dir", "file", "flow", "lists"];

/// The lines under each `== <part> ...` heading, in the order the headings appear.
fn sections(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines() {
        if let Some(heading) = line.strip_prefix("== ") {
            let part = heading.split_whitespace().next().expect(line);
            sections.push((part.to_owned(), Vec::new()));
        } else if line.starts_with("Checked ") {
            continue;
        } else {
            let (_, lines) = sections.last_mut().expect("output starts with a heading");
            lines.push(line.to_owned());
        }
    }
    sections
}

fn section(stdout: &str, part: &str) -> Vec<String> {
    sections(stdout)
        .into_iter()
        .find(|(name, _)| name == part)
        .unwrap_or_else(|| panic!("no {part} section in:\n{stdout}"))
        .1
}

/// The line the REPL prints after the prompt `>>> {expr}`.
fn answer(lines: &[String], expr: &str) -> String {
    let prompt = format!(">>> {expr}");
    let at = lines
        .iter()
        .position(|line| *line == prompt)
        .unwrap_or_else(|| panic!("no {prompt:?} in {lines:#?}"));
    lines[at + 1].clone()
}

fn fibonacci_below(limit: u64) -> Vec<u64> {
    let mut series = vec![1, 1];
    while series[series.len() - 1] + series[series.len() - 2] < limit {
        series.push(series[series.len() - 1] + series[series.len() - 2]);
    }
    series
}

fn sum_line(sum: i64) -> String {
    format!("The sum is {sum}")
}

#[test]
fn a_plain_run_shows_every_part_in_order_and_ends_with_the_check() {
    let run = run_ok(BIN, &[]);
    let names: Vec<String> = sections(&run.stdout).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, PARTS);
    assert!(
        run.stdout
            .ends_with("Checked 6 part(s): every value as the book prints it\n")
    );
}

#[test]
fn the_tour_prints_the_values_of_the_first_edition_session() {
    let lines = section(&run_ok(BIN, &["tour"]).stdout, "tour");
    assert_eq!(answer(&lines, "width * height"), (20 * (5 * 9)).to_string());
    assert_eq!(
        answer(&lines, "abs(a)"),
        (1.5f64 * 1.5 + 0.25).sqrt().to_string()
    );
    assert_eq!(answer(&lines, "word[0:2]"), "'He'");
    assert_eq!(answer(&lines, "a[1:-1]"), "['eggs', 100]");
    assert_eq!(answer(&lines, "len(a)"), "4");
    assert_eq!(answer(&lines, "math.sin(1)"), 1f64.sin().to_string());
    assert_eq!(answer(&lines, "log(1)"), "0.0");
    assert_eq!(answer(&lines, "x.r, x.i"), "(3.0, -4.5)");

    let below_2000: Vec<String> = fibonacci_below(2000).iter().map(u64::to_string).collect();
    assert_eq!(answer(&lines, "fib(2000)"), below_2000.join(" "));
    assert!(answer(&lines, "fib(2000)").ends_with("987 1597"));

    let start = lines.iter().position(|l| l.contains("below 10")).unwrap() + 1;
    let below_10: Vec<u64> = lines[start..start + 6]
        .iter()
        .map(|line| line.parse().unwrap())
        .collect();
    assert_eq!(below_10, fibonacci_below(10));
    assert_eq!(lines[start + 6], "Please enter an integer here: 1");
    assert_eq!(lines[start + 7], "the number is one");
    for word in ["cat", "window", "defenestrate"] {
        assert!(lines.contains(&format!("{word} {}", word.len())), "{word}");
    }
}

#[test]
fn the_integer_of_input_is_a_flag() {
    for (x, expected) in [
        ("-7", "the number is negative"),
        ("0", "the number is zero"),
        ("5", "More"),
    ] {
        let lines = section(&run_ok(BIN, &["tour", "--x", x]).stdout, "tour");
        let at = lines
            .iter()
            .position(|l| *l == format!("Please enter an integer here: {x}"))
            .unwrap();
        assert_eq!(lines[at + 1], expected);
    }
}

#[test]
fn classes_shadow_and_share_the_common_attribute() {
    let run = run_ok(BIN, &["classes"]);
    assert_eq!(sections(&run.stdout).len(), 1, "only the chosen part runs");
    let lines = section(&run.stdout, "classes");
    let value = |prefix: &str| -> Vec<i32> {
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|v| v.parse().unwrap())
            .collect()
    };
    assert_eq!(value("instance.common  "), [10, 30, 10, 10]);
    assert_eq!(value("instance2.common  "), [10, 30, 30, 50]);
    assert_eq!(value("instance.myfunction(1, 2) "), [3]);
    assert_eq!(value("instance.myfunction (1, 2)  "), [3]);
    assert_eq!(value("instance.test  "), [10]);
    let hello = lines.iter().position(|l| l == "hello").unwrap();
    assert!(lines[hello + 1].starts_with("instance.myfunction (1, 2)"));
}

#[test]
fn dir_and_flow_sum_the_books_list_to_83() {
    let stdout = run_ok(BIN, &[]).stdout;
    let book_sum: i64 = [6, 6, 3, 8, -3, 2, 5, 44, 12].iter().sum();
    assert_eq!(
        section(&stdout, "dir"),
        ["Positive number", &sum_line(book_sum)]
    );
    assert_eq!(
        section(&stdout, "flow"),
        [
            "Positive number",
            &sum_line(book_sum),
            &sum_line((1..=10).sum())
        ]
    );
}

#[test]
fn flow_follows_its_flags() {
    let stdout = run_ok(
        BIN,
        &[
            "flow",
            "--num",
            "-4.5",
            "--numbers",
            "1,2,-3,40",
            "--n",
            "100",
        ],
    )
    .stdout;
    assert_eq!(
        section(&stdout, "flow"),
        ["Negative number", &sum_line(40), &sum_line((1..=100).sum())]
    );
    let zero = run_ok(BIN, &["dir", "--num", "0"]).stdout;
    assert_eq!(section(&zero, "dir")[0], "Zero");
}

#[test]
fn lists_print_python_values() {
    let lines = section(&run_ok(BIN, &["lists"]).stdout, "lists");
    assert_eq!(
        lines,
        [
            "yet element 1",
            "3.15",
            "{'Key 1': 'value 1', 2: 3, 'pi': 3.14}",
            "3.15",
            "(1, 2, 3)",
            "3"
        ]
    );
}

#[test]
fn file_reads_back_what_it_wrote_in_a_temp_dir_it_removes() {
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("intro-rust-basics-file");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let run = run_with_env(BIN, &["file"], &[("TMPDIR", tmp.as_os_str())]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let stdout = run.stdout;
    let written = "first line of file \nsecond line of file \n";
    assert_eq!(
        section(&stdout, "file"),
        [
            "first line of file ",
            "second line of file ",
            "",
            &format!(
                "test.txt read back: {} bytes, the same as written",
                written.len()
            )
        ]
    );
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "temp dir not removed: {left:?}");
}

#[test]
fn an_unwritable_temp_dir_is_a_one_line_error() {
    let missing = std::ffi::OsStr::new("/nonexistent/intro-rust-basics");
    let run = run_with_env(BIN, &["file"], &[("TMPDIR", missing)]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot create a temp directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["loops"], 2, "loops");
    run_fails(BIN, &["flow", "--n", "-1"], 2, "-1");
    run_fails(BIN, &["dir", "--numbers", "1,x"], 2, "--numbers");
}
