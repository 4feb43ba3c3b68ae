//! Fuzzing config parsing + validation with proptest: random text, mutated real configs and
//! random structured configs must never panic; whatever validates must satisfy the rules.
//! Prints how many inputs ran (the README's reliability figures quote it).
//! More cases: KW_FUZZ_CASES=100000 cargo test --release --test config_fuzz -- --nocapture

use ipnet::IpNet;
use kubewiz::catalog::Catalog;
use kubewiz::config::{self, rules};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

static RAN: AtomicUsize = AtomicUsize::new(0);
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

fn cases(default: u32) -> u32 {
    std::env::var("KW_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(n: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(n),
        failure_persistence: None,
        ..Config::default()
    })
}

/// parse + validate must not panic; the error (if any) must render on one line per problem.
fn check(text: &str) {
    RAN.fetch_add(1, Ordering::Relaxed);
    match config::parse_and_validate(text, Path::new("fuzz.toml")) {
        Err(e) => {
            let s = e.to_string();
            assert_eq!(s.lines().count(), e.problems.len() + 1, "{s}");
            assert_eq!(e.exit_code(), 2);
        }
        Ok(cfg) => {
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            invariants(&cfg);
        }
    }
}

/// What validation promises about an accepted config, re-checked independently.
fn invariants(cfg: &config::ClusterConfig) {
    let pod: IpNet = cfg.cluster.pod_cidr.parse().unwrap();
    let svc: IpNet = cfg.cluster.service_cidr.parse().unwrap();
    assert!(!pod.contains(&svc.network()) && !svc.contains(&pod.network()));
    assert!(!cfg.nodes.is_empty());
    assert!(cfg.first_control_plane().is_some());
    let mut names = HashSet::new();
    let mut addrs = HashSet::new();
    for n in &cfg.nodes {
        assert!(rules::hostname(&n.name).is_ok(), "{:?}", n.name);
        assert!(
            n.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        );
        let ip: IpAddr = n.address.parse().unwrap();
        assert!(!pod.contains(&ip) && !svc.contains(&ip));
        assert!(names.insert(n.name.clone()) && addrs.insert(ip));
    }
    Catalog::builtin()
        .minor_for(&cfg.cluster.kubernetes_version)
        .unwrap();
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = vec![std::fs::read_to_string(root.join("config.sample.toml")).unwrap()];
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/bad_configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    v.extend(files.iter().map(|p| std::fs::read_to_string(p).unwrap()));
    v
}

const TOKENS: &[&str] = &[
    "[cluster]",
    "[ssh]",
    "[[node]]",
    "[node]",
    "=",
    "\"",
    "'",
    "\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "\"\"\"",
    "name",
    "address",
    "role",
    "pod_cidr",
    "service_cidr",
    "kubernetes_version",
    "\"control-plane\"",
    "\"worker\"",
    "\"1.25.3\"",
    "\"1.37.1\"",
    "\"1.24.0\"",
    "\"10.244.0.0/16\"",
    "\"10.96.0.0/12\"",
    "\"192.168.147.130\"",
    "\"::1\"",
    "\"0.0.0.0/0\"",
    "\"flannel\"",
    "cni_version",
    "\"3.24.6\"",
    "port",
    "65536",
    "-1",
    "1e999",
    "true",
    "nan",
    "inf",
    "1979-05-27T07:32:00Z",
    "\\u0000",
    "\\n",
    "$(touch /tmp/x)",
    "`id`",
    ";",
    "é",
    "\u{202e}",
    "\u{feff}",
    "~/",
    "..",
    "/",
    "cni_manifest",
    "\"/dev/zero\"",
    "identity_file",
];

#[derive(Debug, Clone)]
enum Op {
    Delete(usize, usize),
    Insert(usize, usize),
    DupLine(usize),
    Swap(usize, usize),
    Truncate(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Op::Delete(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Op::Insert(a, t)),
        any::<usize>().prop_map(Op::DupLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Swap(a, b)),
        any::<usize>().prop_map(Op::Truncate),
    ]
}

fn boundary(s: &str, i: usize) -> usize {
    let mut i = if s.is_empty() { 0 } else { i % (s.len() + 1) };
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(mut s: String, ops: &[Op]) -> String {
    for op in ops {
        match *op {
            Op::Delete(a, n) => {
                let a = boundary(&s, a);
                let b = boundary(&s, a + n);
                if a < b {
                    s.replace_range(a..b, "");
                }
            }
            Op::Insert(a, t) => {
                let a = boundary(&s, a);
                s.insert_str(a, TOKENS[t % TOKENS.len()]);
            }
            Op::DupLine(l) => {
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let l = l % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(l, lines[l]);
                    s = out.join("\n");
                }
            }
            Op::Swap(a, b) => {
                let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.swap(a % n, b % n);
                    s = lines.join("\n");
                }
            }
            Op::Truncate(a) => {
                let a = boundary(&s, a);
                s.truncate(a);
            }
        }
    }
    s
}

#[test]
fn fuzz_config_parse_and_validate() {
    let seeds = seeds();

    // 1. Arbitrary text.
    runner(3000)
        .run(&".{0,400}", |t| {
            check(&t);
            Ok(())
        })
        .unwrap();
    // 2. Arbitrary TOML-ish token soup.
    runner(3000)
        .run(&proptest::collection::vec(0..TOKENS.len(), 0..80), |ix| {
            let t: String = ix.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join(" ");
            check(&t);
            Ok(())
        })
        .unwrap();
    // 3. Mutations of the sample and of every corpus file.
    runner(8000)
        .run(
            &(0..seeds.len(), proptest::collection::vec(op(), 1..6)),
            |(i, ops)| {
                check(&mutate(seeds[i].clone(), &ops));
                Ok(())
            },
        )
        .unwrap();
    // 4. Structured configs with random field values: many are valid, so the invariants
    //    of accepted configs get exercised too.
    let name = prop_oneof![
        8 => "[a-z][a-z0-9-]{0,12}[a-z0-9]",
        1 => ".{0,12}",
        1 => Just("$(touch /tmp/x)".to_string()),
        1 => Just("K8S".to_string())
    ];
    let ip = prop_oneof![
        6 => (0u8..=255, 1u8..=254).prop_map(|(a, b)| format!("192.168.{a}.{b}")),
        2 => (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("10.{a}.{b}.1")),
        1 => ".{0,15}",
    ];
    let net = |a: u8, b: u8, p: u8| {
        IpNet::new(IpAddr::from([a, b, 0, 0]), p)
            .map(|n| n.trunc().to_string())
            .unwrap_or_default()
    };
    let pod = prop_oneof![
        8 => (0u8..=255, 8u8..=16).prop_map(move |(b, p)| net(10, b, p)),
        1 => (0u8..=255, 0u8..=32).prop_map(|(a, p)| format!("10.{a}.0.0/{p}")),
        1 => ".{0,18}",
    ];
    let svc = prop_oneof![
        8 => (16u8..=31, 12u8..=24).prop_map(move |(b, p)| net(172, b, p)),
        1 => (0u8..=255, 0u8..=32).prop_map(|(a, p)| format!("10.{a}.0.0/{p}")),
        1 => ".{0,18}",
    ];
    let version = prop_oneof![
        6 => (25u32..=37, 0u32..=3).prop_map(|(m, p)| format!("1.{m}.{p}")),
        2 => (24u32..=38, 0u32..=20).prop_map(|(m, p)| format!("1.{m}.{p}")),
        1 => ".{0,8}",
    ];
    let node = (name.clone(), ip, prop::bool::ANY);
    let strat = (
        name,
        version,
        pod,
        svc,
        prop::bool::ANY,
        proptest::collection::vec(node, 0..5),
    );
    runner(6000)
        .run(&strat, |(cname, v, pod, svc, flannel, nodes)| {
            let mut t = format!(
                "[cluster]\nname = {cname:?}\nkubernetes_version = {v:?}\npod_cidr = {pod:?}\n\
                 service_cidr = {svc:?}\ncni = \"{}\"\n",
                if flannel { "flannel" } else { "calico" }
            );
            for (i, (n, a, cp)) in nodes.into_iter().enumerate() {
                let cp = cp || i == 0;
                t.push_str(&format!(
                    "[[node]]\nname = {n:?}\naddress = {a:?}\nrole = \"{}\"\n",
                    if cp { "control-plane" } else { "worker" }
                ));
            }
            check(&t);
            Ok(())
        })
        .unwrap();

    let ran = RAN.load(Ordering::Relaxed);
    println!(
        "config fuzz: {ran} inputs through parse+validate, 0 panics ({} accepted and re-checked)",
        ACCEPTED.load(Ordering::Relaxed)
    );
    assert!(ran >= 20_000);
}
