//! A measured figure: its data, its table in Markdown, and its plot as an SVG (plotters).
//!
//! Every plot shows a ratio against an anchor measured in the same run, so its y axis (or x
//! axis, for bars) has no time unit at all; times appear only in the tables, one unit per
//! column. The SVG is 720 px wide, the width of the book's page, and its smallest text is
//! 14 px.

use std::path::Path;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Which part of the report a figure belongs to, and how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Rust's time over C's for the same work: one horizontal bar per row, lines at 1 and 1.1.
    AgainstC,
    /// Speedup (y, linear) against workers (x, log 2): the ideal y = x is drawn too.
    Speedup,
    /// A ratio (y, linear, a line at 1) against the problem size (x, log).
    Size,
    /// Rust's wall time over the Python original's: horizontal bars on a log axis.
    AgainstPython,
    /// A rate (y, log, e.g. GFLOP/s) against the problem size (x, log), each path beside the
    /// anchor's series and the machine's ceiling, [`Figure::ceiling`].
    Rate,
}

/// One line of a plot (or, for bars, one bar per group).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem of the SVG: `docs/src/performance/<id>.svg`.
    pub id: String,
    pub title: String,
    pub section: Section,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// For bars: the groups' names, at 0, 1, 2, ... from the top.
    pub groups: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The command that reproduces the figure and what its anchor is, shown under the plot.
    pub note: String,
    /// Lines listed under the table (the commands of each row).
    pub footer: Vec<String>,
    /// For a rate: the machine's ceiling, drawn as a dashed line (its label, its value).
    pub ceiling: Option<(String, f64)>,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];
/// How an axis writes its labels.
type LabelFormat<'a> = &'a dyn Fn(&f64) -> String;

const WIDTH: u32 = 720;
const TITLE: u32 = 20;
const TEXT: u32 = 15;
const SMALL: u32 = 14;

/// A font whose text is `size` px high in the SVG: plotters writes 1/1.24 of the size it is
/// given.
fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", f64::from(size) * 1.24).into_font().into()
}

/// A generous estimate of a text's width in pixels (SVG text has no metrics here).
fn text_width(text: &str, size: u32) -> u32 {
    (text.chars().count() as f64 * f64::from(size) * 0.6).ceil() as u32
}

impl Figure {
    pub fn new(id: &str, title: &str, section: Section) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            section,
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            groups: Vec::new(),
            header: Vec::new(),
            rows: Vec::new(),
            note: String::new(),
            footer: Vec::new(),
            ceiling: None,
        }
    }

    /// The figure's Markdown table.
    pub fn table(&self) -> String {
        let mut text = format!("| {} |\n", self.header.join(" | "));
        text.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            text.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        text
    }

    /// Draws the plot into `path` (SVG). The subtitle carries the machine, so the picture keeps
    /// it when it travels without the page.
    pub fn draw(&self, path: &Path, machine: &str) -> anyhow::Result<()> {
        let height = match self.section {
            Section::AgainstC | Section::AgainstPython => {
                let bars = self.groups.len().max(1) as u32;
                let per_group = 12 + 16 * self.series.len().max(1) as u32;
                140 + bars * per_group
            }
            Section::Speedup | Section::Size | Section::Rate => 440,
        };
        let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (top, body) = root.split_vertically(58);
        top.draw(&Text::new(self.title.clone(), (12, 8), font(TITLE)))
            .map_err(plot_error)?;
        top.draw(&Text::new(machine.to_owned(), (12, 34), font(SMALL)))
            .map_err(plot_error)?;
        match self.section {
            Section::Speedup => self.draw_speedup(&body)?,
            Section::Size => self.draw_size(&body)?,
            Section::Rate => self.draw_rate(&body)?,
            Section::AgainstC => self.draw_bars(&body, false)?,
            Section::AgainstPython => self.draw_bars(&body, true)?,
        }
        root.present().map_err(plot_error)
    }

    /// How far above the highest point the y axis goes, so that the legend in the upper left
    /// (the series and `extra` lines, about 8% of the height each) stays clear of the data.
    fn headroom(&self, extra: usize) -> f64 {
        1.0 + 0.08 * (self.series.len() + extra) as f64
    }

    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.series
            .iter()
            .flat_map(|series| series.points.iter().copied())
    }

    fn draw_speedup(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let x_max = self.points().map(|(x, _)| x).fold(1.0, f64::max);
        let y_max = self.points().map(|(_, y)| y).fold(x_max.min(4.0), f64::max) * self.headroom(2);
        let mut chart = ChartBuilder::on(area)
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d((0.9..x_max * 1.12).log_scale(), 0.0..y_max)
            .map_err(plot_error)?;
        self.draw_axes(
            &mut chart,
            (&|x| format!("{x:.0}"), &|y| format!("{y:.1}")),
            10,
        )?;
        let ideal: Vec<(f64, f64)> = [1.0, x_max].into_iter().map(|x| (x, x)).collect();
        chart
            .draw_series(LineSeries::new(ideal, BLACK.mix(0.3)))
            .map_err(plot_error)?
            .label("ideal (y = x)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.3)));
        self.draw_lines(&mut chart)?;
        legend(&mut chart)
    }

    fn draw_size(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let (x_min, x_max) = bounds(self.points().map(|(x, _)| x));
        let y_max = self.points().map(|(_, y)| y).fold(1.2, f64::max) * self.headroom(2);
        let mut chart = ChartBuilder::on(area)
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d((x_min / 1.5..x_max * 1.5).log_scale(), 0.0..y_max)
            .map_err(plot_error)?;
        self.draw_axes(
            &mut chart,
            (&|x| short_number(*x), &|y| format!("{y:.1}")),
            10,
        )?;
        let one = vec![(x_min / 1.5, 1.0), (x_max * 1.5, 1.0)];
        chart
            .draw_series(LineSeries::new(one, BLACK.mix(0.5)))
            .map_err(plot_error)?
            .label("1 = as fast as the anchor")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
        self.draw_lines(&mut chart)?;
        legend(&mut chart)
    }

    fn draw_rate(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let (x_min, x_max) = bounds(self.points().map(|(x, _)| x));
        let ceiling = self.ceiling.as_ref().map(|(_, value)| *value);
        let (y_min, y_max) = bounds(self.points().map(|(_, y)| y).chain(ceiling));
        // Decades of headroom for the legend in the upper left.
        let y_top = y_max * 10f64.powf(0.25 * (self.series.len() + 1) as f64);
        let mut chart = ChartBuilder::on(area)
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (x_min / 1.5..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_top).log_scale(),
            )
            .map_err(plot_error)?;
        // Under two decades on x: more than five labels would crowd each other.
        self.draw_axes(
            &mut chart,
            (&|x| short_number(*x), &|y| short_number(*y)),
            5,
        )?;
        if let Some((label, value)) = &self.ceiling {
            let line = vec![(x_min / 1.5, *value), (x_max * 1.5, *value)];
            let style = BLACK.mix(0.5).stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new(line, 6, 4, style))
                .map_err(plot_error)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        self.draw_lines(&mut chart)?;
        legend(&mut chart)
    }

    /// The axes of a line plot: their descriptions, labels of 14 px formatted by `format`
    /// (x, y), at most `x_labels` of them on x, and no grid.
    fn draw_axes<X, Y>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
        format: (LabelFormat<'_>, LabelFormat<'_>),
        x_labels: usize,
    ) -> anyhow::Result<()>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        chart
            .configure_mesh()
            .x_labels(x_labels)
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(font(SMALL))
            .axis_desc_style(font(TEXT))
            .x_label_formatter(format.0)
            .y_label_formatter(format.1)
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(plot_error)
    }

    fn draw_lines<X, Y>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    ) -> anyhow::Result<()>
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        for (index, series) in self.series.iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            chart
                .draw_series(LineSeries::new(
                    series.points.clone(),
                    color.stroke_width(2),
                ))
                .map_err(plot_error)?
                .label(series.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .map(|&point| Circle::new(point, 4, color.filled())),
                )
                .map_err(plot_error)?;
        }
        Ok(())
    }

    /// Horizontal bars, one row per group with the group's name on its left, so that names of
    /// any length never overlap. `log`: a log axis (ratios far from 1), else linear from 0.
    fn draw_bars(
        &self,
        area: &DrawingArea<SVGBackend<'_>, Shift>,
        log: bool,
    ) -> anyhow::Result<()> {
        let groups = self.groups.len().max(1) as f64;
        let label_width = self
            .groups
            .iter()
            .map(|name| text_width(name, SMALL))
            .max()
            .unwrap_or(0)
            .clamp(60, WIDTH / 2);
        let (lo, hi) = bounds(self.points().map(|(_, ratio)| ratio));
        let mut builder = ChartBuilder::on(area);
        builder
            .margin(14)
            .margin_left(label_width + 24)
            .x_label_area_size(50);
        if log {
            let range = (lo.min(1.0) / 2.0)..(hi.max(1.0) * 2.0);
            let floor = range.start;
            let chart = builder
                .build_cartesian_2d(range.log_scale(), 0.0..groups)
                .map_err(plot_error)?;
            self.finish_bars(area, chart, floor, &[1.0])
        } else {
            let chart = builder
                .build_cartesian_2d(0.0..(hi.max(1.2) * 1.15), 0.0..groups)
                .map_err(plot_error)?;
            self.finish_bars(area, chart, 0.0, &[1.0, 1.1])
        }
    }

    /// The axis, the bars of every series from `floor`, reference lines at `marks`, the
    /// groups' names and the legend.
    fn finish_bars<'a: 'b, 'b, X>(
        &self,
        area: &'b DrawingArea<SVGBackend<'a>, Shift>,
        mut chart: ChartContext<'b, SVGBackend<'a>, Cartesian2d<X, RangedCoordf64>>,
        floor: f64,
        marks: &[f64],
    ) -> anyhow::Result<()>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_desc(self.x_label.as_str())
            .label_style(font(SMALL))
            .axis_desc_style(font(TEXT))
            .x_label_formatter(&|x: &f64| ratio_tick(*x))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(plot_error)?;
        self.bars(&mut chart, floor, marks)?;
        let groups = self.groups.len() as f64;
        let one_series = self.series.len() == 1;
        let left = chart.plotting_area().get_pixel_range().0.start;
        for (group, name) in self.groups.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(floor, groups - group as f64 - 0.5));
            area.draw(&Text::new(
                name.clone(),
                (
                    left - 8 - area.get_base_pixel().0,
                    y - area.get_base_pixel().1,
                ),
                font(SMALL).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(plot_error)?;
        }
        // One series needs no legend: the axis says what the bars are.
        if one_series {
            return Ok(());
        }
        legend(&mut chart)
    }

    /// The bars of every series from `floor`, and dashed reference lines at `marks`.
    fn bars<X>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, RangedCoordf64>>,
        floor: f64,
        marks: &[f64],
    ) -> anyhow::Result<()>
    where
        X: Ranged<ValueType = f64>,
    {
        let height = 0.8 / self.series.len().max(1) as f64;
        let groups = self.groups.len() as f64;
        for (index, series) in self.series.iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            // Group 0 at the top: y counts down from `groups`.
            let offset = 0.1 + height * index as f64;
            chart
                .draw_series(series.points.iter().map(|&(group, ratio)| {
                    let top = groups - group - offset;
                    Rectangle::new([(floor, top), (ratio, top - height)], color.filled())
                }))
                .map_err(plot_error)?
                .label(series.name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        for &mark in marks {
            chart
                .draw_series(LineSeries::new(
                    vec![(mark, 0.0), (mark, groups)],
                    BLACK.mix(0.5).stroke_width(1),
                ))
                .map_err(plot_error)?;
        }
        Ok(())
    }
}

fn legend<'a: 'b, 'b, X, Y>(
    chart: &mut ChartContext<'b, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> anyhow::Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(font(SMALL))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(plot_error)
}

/// The smallest and largest positive values (log axes need them above 0).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values
        .filter(|value| *value > 0.0 && value.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min > max { (0.1, 1.0) } else { (min, max) }
}

/// A ratio axis's tick: "0.05", "0.5", "1", "1.1", "20".
fn ratio_tick(value: f64) -> String {
    let text = if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}×")
}

/// `2048` → "2k", `4_000_000` → "4M": short tick labels for sizes on log axes.
pub fn short_number(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

/// Seconds in milliseconds with three significant digits at most: every time column of the
/// tables is in ms, so a column never mixes units.
pub fn ms(seconds: f64) -> String {
    let ms = seconds * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

/// A ratio as the tables print it: "1.03×".
pub fn times(ratio: f64) -> String {
    if ratio < 0.1 {
        format!("{ratio:.3}×")
    } else {
        format!("{ratio:.2}×")
    }
}

fn plot_error<E: std::fmt::Debug>(error: E) -> anyhow::Error {
    anyhow!("cannot draw the plot: {error:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(section: Section) -> Figure {
        Figure {
            x_label: "workers".into(),
            y_label: "speedup".into(),
            series: vec![Series {
                name: "threads".into(),
                points: vec![(1.0, 1.0), (2.0, 1.8), (4.0, 2.0)],
            }],
            groups: vec![
                "a.py".into(),
                "a much longer name of a group".into(),
                "c.py".into(),
                "d.py".into(),
                "e.py".into(),
            ],
            header: vec!["workers".into(), "speedup".into()],
            rows: vec![vec!["1".into(), "1.00".into()]],
            ..Figure::new("t", "A test", section)
        }
    }

    #[test]
    fn tables_are_markdown() {
        assert_eq!(
            figure(Section::Speedup).table(),
            "| workers | speedup |\n|---|---|\n| 1 | 1.00 |\n"
        );
    }

    #[test]
    fn every_kind_of_figure_draws_an_svg() {
        let dir = tempfile::tempdir().unwrap();
        for section in [
            Section::AgainstC,
            Section::Speedup,
            Section::Size,
            Section::AgainstPython,
            Section::Rate,
        ] {
            let path = dir.path().join(format!("{section:?}.svg"));
            let mut figure = figure(section);
            figure.ceiling = Some(("peak, 300 GFLOP/s".to_owned(), 300.0));
            figure.draw(&path, "2 cores").unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.starts_with("<svg"), "{section:?}");
            assert!(svg.contains("A test"));
            // Lines name their series in a legend; bars name their groups (and a single
            // series needs no legend).
            let named = match section {
                Section::Speedup | Section::Size | Section::Rate => "threads",
                Section::AgainstC | Section::AgainstPython => "a much longer name of a group",
            };
            assert!(svg.contains(named), "{section:?}");
            assert!(svg.contains("width=\"720\""), "{section:?}");
        }
    }

    #[test]
    fn a_rates_size_axis_has_few_distinct_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rate.svg");
        let mut rate = figure(Section::Rate);
        rate.series[0].points = vec![
            (128.0, 60.0),
            (256.0, 130.0),
            (512.0, 150.0),
            (1024.0, 160.0),
        ];
        rate.ceiling = Some(("peak".to_owned(), 268.8));
        rate.draw(&path, "2 cores").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        // The x axis's labels: centred text below the plot.
        let labels: Vec<&str> = svg
            .split("<text ")
            .skip(1)
            .filter(|text| {
                text.contains("text-anchor=\"middle\"") && text.contains("dy=\"0.76em\"")
            })
            .filter_map(|text| text.split('>').nth(1)?.split('<').next())
            .map(str::trim)
            .collect();
        let mut distinct = labels.clone();
        distinct.dedup();
        assert_eq!(labels, distinct, "repeated labels");
        assert!((2..=6).contains(&labels.len()), "{labels:?}");
    }

    #[test]
    fn no_text_is_smaller_than_14_px() {
        let dir = tempfile::tempdir().unwrap();
        for section in [
            Section::AgainstC,
            Section::Speedup,
            Section::Size,
            Section::Rate,
        ] {
            let path = dir.path().join("f.svg");
            figure(section).draw(&path, "2 cores").unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            let sizes: Vec<f64> = svg
                .split("font-size=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next()?.parse().ok())
                .collect();
            assert!(!sizes.is_empty(), "{section:?}");
            assert!(
                sizes.iter().all(|&size| size >= 14.0),
                "{section:?}: {sizes:?}"
            );
        }
    }

    #[test]
    fn bar_names_all_appear_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bars.svg");
        figure(Section::AgainstC).draw(&path, "2 cores").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_eq!(svg.matches("a much longer name of a group").count(), 1);
        assert!(svg.contains("text-anchor=\"end\""));
    }

    #[test]
    fn labels_are_short_and_times_are_in_ms() {
        assert_eq!(short_number(2048.0), "2k");
        assert_eq!(short_number(4_000_000.0), "4M");
        assert_eq!(ratio_tick(1.0), "1×");
        assert_eq!(ratio_tick(1.1), "1.1×");
        assert_eq!(ratio_tick(0.05), "0.05×");
        assert_eq!(ms(0.000277), "0.277");
        assert_eq!(ms(0.0231), "23.1");
        assert_eq!(ms(0.2331), "233");
        assert_eq!(times(1.034), "1.03×");
    }
}
