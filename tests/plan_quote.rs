//! `shell_quote` round-trips any value through bash: no expansion, no injection.
//! A property test with a small deterministic generator (no extra dependency).

use kubewiz::plan::shell_quote;
use std::process::Command;

/// xorshift64*: deterministic, good enough to spread test cases.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "'", "\"", "$", "`", "\\", "\n", "\r", "\t", " ", "!", "*", "?", "[", "]", "{", "}", "(", ")",
    "<", ">", "|", "&", ";", "#", "~", "=", "%", "^", "@", ":", ",", ".", "-", "_", "a", "Z", "0",
    "é", "中", "🦀", "$(", "${", "$((", "'\\''", "\\'", "''", "$HOME", "*.sh", "-e", "--",
    "\u{7f}", "\u{1}", "$'\\n'", "!!",
];

fn random_value(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

/// Runs `X=<quoted>; printf '%s\0' "$X"` for every value in one bash; returns the outputs.
fn round_trip(values: &[String]) -> Vec<String> {
    let mut script = String::new();
    for v in values {
        script.push_str(&format!("X={}\nprintf '%s\\0' \"$X\"\n", shell_quote(v)));
        script.push_str(&format!(
            "export KW_V={}\nprintf '%s\\0' \"$KW_V\"\n",
            shell_quote(v)
        ));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 back");
    let mut parts: Vec<String> = text.split('\0').map(str::to_string).collect();
    assert_eq!(parts.pop().as_deref(), Some(""), "trailing NUL");
    parts
}

#[test]
fn hostile_values_round_trip_without_running_anything() {
    let marker = std::env::temp_dir().join(format!("kw-pwned-{}", std::process::id()));
    let m = marker.display();
    let values = vec![
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("'; touch {m}; '"),
        format!("\"; touch {m}; \""),
        format!("x\ntouch {m}\n"),
        format!("$(touch {m})'\"`touch {m}`\"'"),
        "it's".to_string(),
        String::new(),
        "'".to_string(),
        "''''".to_string(),
        "\\".to_string(),
        "line1\nline2\n".to_string(),
        "a b  c".to_string(),
        "*".to_string(),
        "~".to_string(),
        "-n".to_string(),
    ];
    let got = round_trip(&values);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(&got[2 * i], v, "plain assignment of {v:?}");
        assert_eq!(&got[2 * i + 1], v, "export of {v:?}");
    }
    assert!(!marker.exists(), "a quoted value ran a command");
}

#[test]
fn random_values_round_trip() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _round in 0..4 {
        let values: Vec<String> = (0..250).map(|_| random_value(&mut rng)).collect();
        let got = round_trip(&values);
        assert_eq!(got.len(), 2 * values.len());
        for (i, v) in values.iter().enumerate() {
            assert_eq!(&got[2 * i], v, "{v:?} -> {}", shell_quote(v));
            assert_eq!(&got[2 * i + 1], v, "{v:?} -> {}", shell_quote(v));
        }
    }
}

#[test]
fn quoted_value_is_one_word() {
    let mut rng = Rng(42);
    let values: Vec<String> = (0..200).map(|_| random_value(&mut rng)).collect();
    let mut script = String::new();
    for v in &values {
        // set -- <word>: exactly one positional parameter, whatever the value.
        script.push_str(&format!(
            "set -- {}\nprintf '%s\\0' \"$#\"\n",
            shell_quote(v)
        ));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.split('\0').filter(|s| !s.is_empty()).all(|n| n == "1"));
}

#[test]
fn plan_exports_carry_config_values_verbatim() {
    use kubewiz::catalog::Catalog;
    use kubewiz::config::ClusterConfig;
    use kubewiz::plan::{self, StepId};
    let evil = "Asia/$(touch /tmp/kw-pwned-tz)`id`'\"";
    let text = format!(
        "[cluster]\nname = \"x\"\nkubernetes_version = \"1.25.3\"\ntimezone = {}\n\
         [[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n",
        toml_string(evil)
    );
    let cfg: ClusterConfig = toml::from_str(&text).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    let t = &p.tasks[p.task_index("cp", StepId::Time).unwrap()];
    let script = p.render(t);
    let exports: String = script
        .lines()
        .take_while(|l| l.starts_with("export ") || l.starts_with('#') || l.starts_with("set "))
        .map(|l| format!("{l}\n"))
        .collect();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{exports}printf %s \"$KW_TIMEZONE\""))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), evil);
    assert!(!std::path::Path::new("/tmp/kw-pwned-tz").exists());
}

fn toml_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
