//! A criterion measurement that counts this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) by
//! default: the machine the benches run on is shared, and wall time then measures the
//! neighbours as much as the code. `KW_BENCH_CLOCK=wall` switches to wall time.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub cpu: bool,
}

impl Clock {
    pub fn from_env() -> Clock {
        Clock {
            cpu: std::env::var("KW_BENCH_CLOCK").map_or(true, |v| v != "wall"),
        }
    }

    pub fn name(&self) -> &'static str {
        if self.cpu {
            "thread CPU time (KW_BENCH_CLOCK=wall for wall time)"
        } else {
            "wall time"
        }
    }

    pub fn now(&self) -> Duration {
        if self.cpu {
            thread_cpu()
        } else {
            static BASE: OnceLock<Instant> = OnceLock::new();
            BASE.get_or_init(Instant::now).elapsed()
        }
    }
}

pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for Clock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Values in nanoseconds, shown like criterion's own wall-time formatter.
struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if ns < 1e3 {
            (1.0, "ns")
        } else if ns < 1e6 {
            (1e-3, "µs")
        } else if ns < 1e9 {
            (1e-6, "ms")
        } else {
            (1e-9, "s")
        };
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let (n, units) = match *t {
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => {
                (b as f64, [" B/s", "KB/s", "MB/s", "GB/s"])
            }
            Throughput::Bits(b) => (b as f64, [" b/s", "Kb/s", "Mb/s", "Gb/s"]),
            Throughput::Elements(e) | Throughput::ElementsAndBytes { elements: e, .. } => {
                (e as f64, [" elem/s", "Kelem/s", "Melem/s", "Gelem/s"])
            }
        };
        let per_s = n * 1e9 / typical;
        let (div, unit) = if per_s < 1e3 {
            (1.0, units[0])
        } else if per_s < 1e6 {
            (1e3, units[1])
        } else if per_s < 1e9 {
            (1e6, units[2])
        } else {
            (1e9, units[3])
        };
        for v in values {
            *v = n * 1e9 / *v / div;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
