//! Figures over repeated runs, and the load they were measured under: the fleet benches
//! (scaling, overhead) run each scenario several times on a shared machine and report
//! min / median / max with the load average before and after, so a figure carries its noise.
#![allow(dead_code)]

/// min / median / max of one figure over runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
    pub runs: usize,
}

impl Spread {
    /// None when there are no values (NaN values, from failed runs, are left out).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(Spread {
            min: v[0],
            median: median_sorted(&v),
            max: v[v.len() - 1],
            runs: v.len(),
        })
    }

    /// `median (min-max)` with `prec` decimals, e.g. `1.012 (1.004-1.031)`; the value alone
    /// for a single run.
    pub fn show(&self, prec: usize) -> String {
        if self.runs == 1 {
            format!("{:.prec$}", self.median)
        } else {
            format!(
                "{:.prec$} ({:.prec$}-{:.prec$})",
                self.median, self.min, self.max
            )
        }
    }
}

/// `Spread::of(values).show(prec)`, or "-" when there is nothing to show.
pub fn show(values: &[f64], prec: usize) -> String {
    Spread::of(values).map_or_else(|| "-".into(), |s| s.show(prec))
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median of `v` (NaN when empty); sorts `v`.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    median_sorted(v)
}

/// The `p` quantile of `v` (nearest rank; NaN when empty); sorts `v`.
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// The 1, 5 and 15 minute load averages, e.g. "3.10 2.80 2.41".
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The 1 minute load average.
pub fn load1() -> f64 {
    loadavg()
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The number of runs per scenario: `KW_BENCH_RUNS` (default 3, at least 1).
pub fn runs() -> usize {
    std::env::var("KW_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1)
}

/// What the machine is: cores and model, for the head of a bench's report.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {model}")
}

/// The load over one measurement: the 1 minute load average before and after.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub before: f64,
    pub after: f64,
}

impl Load {
    pub fn start() -> f64 {
        load1()
    }

    pub fn since(before: f64) -> Load {
        Load {
            before,
            after: load1(),
        }
    }
}

/// The range of the load averages (1 min) seen over a set of measurements, e.g. "load 1.2-3.4".
pub fn load_range(loads: &[Load]) -> String {
    let all: Vec<f64> = loads.iter().flat_map(|l| [l.before, l.after]).collect();
    match Spread::of(&all) {
        Some(s) => format!("load {:.1}-{:.1}", s.min, s.max),
        None => "load ?".into(),
    }
}
