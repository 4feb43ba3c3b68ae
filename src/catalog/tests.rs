//! The catalog against itself, upstream's facts it cites, the fixture files and README's support matrix.

use super::*;
use std::collections::BTreeSet;

fn cat() -> &'static Catalog {
    Catalog::builtin()
}

#[test]
fn one_entry_per_minor_125_to_137_in_order() {
    let got: Vec<_> = cat().minors().iter().map(|m| m.version.clone()).collect();
    let want: Vec<_> = (25..=37).map(|n| format!("1.{n}")).collect();
    assert_eq!(got, want);
}

#[test]
fn minor_fields_follow_the_fact_sheet() {
    for m in cat().minors() {
        let (_, n) = m.number();
        let pause = match n {
            25 => "3.8",
            26..=30 => "3.9",
            31..=33 => "3.10",
            34..=35 => "3.10.1",
            _ => "3.10.2",
        };
        assert_eq!(m.pause, pause, "{}", m.version);
        let api = if n <= 30 { "v1beta3" } else { "v1beta4" };
        assert_eq!(m.kubeadm_api, api, "{}", m.version);
        assert_eq!(m.cgroup_v2_required, n >= 35, "{}", m.version);
        assert_eq!(m.ipvs_deprecated, n >= 35, "{}", m.version);
        assert_eq!(m.supported_upstream, n >= 35, "{}", m.version);
        let legacy = match n {
            25 => Some(14),
            26 => Some(9),
            27 => Some(6),
            28 => Some(2),
            _ => None,
        };
        assert_eq!(m.legacy_last_patch, legacy, "{}", m.version);
        if let Some(l) = m.legacy_last_patch {
            assert!(l <= m.latest_patch);
        }
    }
    // The newest patches known (sources in the table's comment): ended branches from
    // kubernetes/website eol.yaml, active ones as of August 2026.
    let latest: Vec<(u32, u32)> = cat()
        .minors()
        .iter()
        .map(|m| (m.number().1, m.latest_patch))
        .collect();
    assert_eq!(
        latest,
        [
            (25, 16),
            (26, 15),
            (27, 16),
            (28, 15),
            (29, 14),
            (30, 14),
            (31, 14),
            (32, 13),
            (33, 13),
            (34, 11),
            (35, 8),
            (36, 4),
            (37, 0)
        ]
    );
}

#[test]
fn containerd_matrix_has_a_sourced_row_per_minor_as_containerd_lists_it() {
    for m in cat().minors() {
        let row = cat().containerd_row(m);
        assert_eq!(
            row.kubernetes, m.version,
            "no row of its own for {}",
            m.version
        );
        assert!(row.source.contains("RELEASES.md"), "{}", row.source);
        assert_eq!(row.minimums().len(), row.containerd.len(), "{}", m.version);
        assert_eq!(row.listed, m.version != "1.37", "{}", m.version);
    }
    // containerd/containerd RELEASES.md @ 91be73ba6, quoted.
    let row = |v: &str| cat().containerd_row(cat().minor(v).unwrap()).describe();
    assert_eq!(row("1.32"), "2.1.0+, 2.0.1+, 1.7.24+ or 1.6.36+");
    assert_eq!(row("1.34"), "2.1.3+, 2.0.6+, 1.7.28+ or 1.6.39+");
    assert_eq!(row("1.35"), "2.2.0+, 2.1.5+ or 1.7.28+");
    assert_eq!(row("1.36"), "2.3.0+ or 2.2.0+");
    assert_eq!(row("1.25"), "1.7.0+ or 1.6.4+");
    let m135 = cat().containerd_row(cat().minor("1.35").unwrap());
    let v = |s: &str| CtdVersion::parse(s).unwrap();
    assert_eq!(m135.fit(v("2.2.7")), CtdFit::Listed);
    assert_eq!(m135.fit(v("2.3.4")), CtdFit::Newer);
    assert_eq!(m135.fit(v("1.7.27")), CtdFit::BelowMinimum(v("1.7.28")));
    assert_eq!(m135.fit(v("1.6.20")), CtdFit::Unlisted);
    assert_eq!(m135.fit(v("2.0.6")), CtdFit::Unlisted);
    assert_eq!(m135.accept_env(), "2.2.0 2.1.5 1.7.28");
    assert_eq!(v("1.6.20~ds1-1+deb12u3"), v("1.6.20"));
    assert_eq!(v("v2.3.4"), v("2.3.4-1~ubuntu.22.04~jammy"));
    assert_eq!(v("1:2.1.9+ds1-5"), v("2.1.9"));
}

#[test]
fn where_each_os_gets_containerd() {
    let src = |os: (&str, &str), k8s: &str| {
        let o = cat().os(os.0, os.1).unwrap();
        o.containerd_source(cat().containerd_row(cat().minor(k8s).unwrap()))
            .map(|s| s.to_string())
    };
    let s = |x: &str| Some(x.to_string());
    // The fleet's cases (issue 9's "done means").
    assert_eq!(
        src(("ubuntu", "22.04"), "1.36"),
        s("Docker's containerd.io 2.3.x")
    );
    assert_eq!(
        src(("rocky", "9.3"), "1.35"),
        s("Docker's containerd.io 2.2.x")
    );
    assert_eq!(
        src(("debian", "12"), "1.31"),
        s("Docker's containerd.io 1.7.x")
    );
    assert_eq!(
        src(("debian", "11"), "1.30"),
        s("Docker's containerd.io 1.7.x")
    );
    assert_eq!(
        src(("centos", "7"), "1.25"),
        s("Docker's containerd.io 1.6.x")
    );
    // Debian 12's own 1.6.20 is enough where 1.6.4+ / 1.6.15+ is listed, not from 1.29 (1.6.27+).
    assert_eq!(
        src(("debian", "12"), "1.28"),
        s("the distribution's containerd 1.6.20")
    );
    assert_eq!(
        src(("debian", "12"), "1.29"),
        s("Docker's containerd.io 1.7.x")
    );
    assert_eq!(
        src(("debian", "13"), "1.32"),
        s("the distribution's containerd 1.7.24")
    );
    assert_eq!(
        src(("debian", "13"), "1.35"),
        s("Docker's containerd.io 2.2.x")
    );
    // EL7's containerd.io stops at 1.6.33: 1.30 lists 1.6.28+, 1.31 wants 1.6.34+.
    assert_eq!(
        src(("centos", "7"), "1.30"),
        s("Docker's containerd.io 1.6.x")
    );
    assert_eq!(src(("centos", "7"), "1.31"), None);
    assert_eq!(src(("ubuntu", "20.04"), "1.36"), None);
}

/// README.md's support matrix: per OS, what kubewiz installs for each Kubernetes minor.
fn support_matrix() -> String {
    let mut out = String::from(
        "| OS | cgroup | containerd kubewiz installs, by Kubernetes version |\n| --- | --- | --- |\n",
    );
    for os in &cat().oses {
        let name = match os.ids[0].as_str() {
            "ubuntu" => format!("Ubuntu {}.04", os.major),
            "debian" => format!("Debian {}", os.major),
            _ => format!("CentOS / RHEL / Rocky / Alma / Oracle {}", os.major),
        };
        let cell = |m: &Minor| -> String {
            if m.cgroup_v2_required && os.cgroup == 1 {
                return "refused (cgroup v1)".into();
            }
            match os.containerd_source(cat().containerd_row(m)) {
                Some(CtdSource::Distro(v)) => format!("the distribution's {v}"),
                Some(CtdSource::Docker(v)) => {
                    // EL7's branch stops at a patch: say which.
                    match os
                        .docker_containerd
                        .iter()
                        .find(|d| d.starts_with(&format!("{}.{}.", v.major, v.minor)))
                    {
                        Some(last) => format!("Docker's containerd.io {last}"),
                        None => format!("Docker's containerd.io {}.{}", v.major, v.minor),
                    }
                }
                None => "refused (no containerd in the matrix)".into(),
            }
        };
        let mut parts: Vec<(String, String, String)> = Vec::new();
        for m in cat().minors() {
            let c = cell(m);
            match parts.last_mut() {
                Some((_, to, last)) if *last == c => *to = m.version.clone(),
                _ => parts.push((m.version.clone(), m.version.clone(), c)),
            }
        }
        let cells: Vec<String> = parts
            .iter()
            .map(|(a, b, c)| {
                if a == b {
                    format!("{a}: {c}")
                } else {
                    format!("{a}–{b}: {c}")
                }
            })
            .collect();
        out.push_str(&format!(
            "| {name} | v{} | {} |\n",
            os.cgroup,
            cells.join(" · ")
        ));
    }
    out
}

#[test]
fn the_readme_support_matrix_is_generated_from_the_catalog() {
    const BEGIN: &str = "<!-- support matrix: generated from assets/catalog.toml by its unit tests; do not edit -->\n";
    const END: &str = "<!-- end of support matrix -->\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(BEGIN), text.find(END)) else {
        panic!("{} lacks the markers {BEGIN:?} .. {END:?}", path.display());
    };
    let want = support_matrix();
    if text[a + BEGIN.len()..b] != want {
        if std::env::var_os("KUBEWIZ_BLESS").is_some() {
            let new = format!("{}{BEGIN}{want}{}", &text[..a], &text[b..]);
            std::fs::write(&path, new).unwrap();
        } else {
            panic!(
                "README.md's support matrix is out of date; regenerate it with\n  \
                 KUBEWIZ_BLESS=1 cargo test --lib the_readme_support_matrix\nwant:\n{want}"
            );
        }
    }
}

#[test]
fn kubeadm_tools_follow_its_preflight() {
    let tools = |v: &str| -> Vec<String> {
        cat()
            .kubeadm_tools(cat().minor(v).unwrap())
            .map(|t| t.tool.clone())
            .collect()
    };
    assert!(tools("1.31").contains(&"conntrack".to_string()));
    assert!(!tools("1.32").contains(&"conntrack".to_string()));
    for v in ["1.25", "1.37"] {
        for t in [
            "ip", "iptables", "mount", "nsenter", "ebtables", "ethtool", "socat", "tc", "touch",
        ] {
            assert!(tools(v).iter().any(|x| x == t), "{v} {t}");
        }
    }
    for t in cat().kubeadm_tools(cat().minor("1.25").unwrap()) {
        assert!(t.rpm.starts_with('/'), "{}", t.rpm);
        assert_eq!(
            t.mandatory,
            ["conntrack", "ip", "iptables", "mount", "nsenter"].contains(&t.tool.as_str()),
            "{}",
            t.tool
        );
    }
}

#[test]
fn cni_lists_agree_with_release_ranges_and_defaults_are_allowed() {
    for m in cat().minors() {
        for cni in [Cni::Calico, Cni::Flannel] {
            let v = m.cni(cni);
            assert!(
                v.allowed.contains(&v.default),
                "{} {}: default not allowed",
                m.version,
                cni.as_str()
            );
            let listed: BTreeSet<_> = v.allowed.iter().cloned().collect();
            assert_eq!(listed.len(), v.allowed.len(), "duplicates in {}", m.version);
            let derived: BTreeSet<_> = cat()
                .cni_releases()
                .iter()
                .filter(|r| r.cni == cni && r.allows(m))
                .map(|r| r.version.clone())
                .collect();
            assert_eq!(listed, derived, "{} {}", m.version, cni.as_str());
            // The default is a release upstream tested with this minor, except where
            // none exists (1.37 + calico): then it is the newest allowed one.
            let rel = cat().cni_release(cni, &v.default).unwrap();
            if !rel.tested_with(m) {
                assert!(
                    !cat()
                        .cni_releases()
                        .iter()
                        .any(|r| r.cni == cni && r.tested_with(m)),
                    "{} {}: an upstream-tested release exists, use it as default",
                    m.version,
                    cni.as_str()
                );
            }
        }
    }
}

#[test]
fn seed_and_current_defaults_match_the_fixture_files() {
    // ../shared/fixtures/cni has calico 3.24.6 / 3.26.5 / 3.32.1 and flannel 0.22.0 / 0.28.9.
    let m = cat().minor("1.25").unwrap();
    assert_eq!(m.calico.default, "3.24.6");
    assert_eq!(m.flannel.default, "0.22.0");
    assert_eq!(cat().minor("1.27").unwrap().calico.default, "3.26.5");
    for v in ["1.35", "1.36", "1.37"] {
        let m = cat().minor(v).unwrap();
        assert_eq!(m.calico.default, "3.32.1");
        assert_eq!(m.flannel.default, "0.28.9");
    }
}

#[test]
fn release_table_is_sane() {
    let mut seen = BTreeSet::new();
    for r in cat().cni_releases() {
        assert!(
            seen.insert((r.cni.as_str(), r.version.clone())),
            "dup {}",
            r.version
        );
        let parts: Vec<_> = r.version.split('.').collect();
        assert_eq!(parts.len(), 3, "{}", r.version);
        assert!(parse_minor(&r.tested_from) <= parse_minor(&r.tested_to));
        if let Some(a) = &r.allowed_to {
            assert!(parse_minor(&r.tested_to) <= parse_minor(a));
        }
        let newer_calico = r.cni == Cni::Calico && parse_minor(&r.version) >= Some((3, 30));
        assert_eq!(
            r.min_kernel.as_deref() == Some("5.10"),
            newer_calico,
            "{}",
            r.version
        );
    }
}

#[test]
fn mirror_urls() {
    let m = cat().minor("1.35").unwrap();
    let up = cat().mirror(Mirror::Upstream);
    assert_eq!(up.image_repository, "registry.k8s.io");
    assert_eq!(
        up.rpm_repo(m),
        "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/"
    );
    assert_eq!(
        up.rpm_key(m),
        "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/repodata/repomd.xml.key"
    );
    assert_eq!(
        up.deb_repo(m),
        "https://pkgs.k8s.io/core:/stable:/v1.35/deb/"
    );
    assert_eq!(
        up.deb_key(m),
        "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key"
    );
    assert_eq!(
        up.docker_ce_rpm_repo,
        "https://download.docker.com/linux/centos/docker-ce.repo"
    );
    let al = cat().mirror(Mirror::Aliyun);
    assert_eq!(
        al.image_repository,
        "registry.aliyuncs.com/google_containers"
    );
    assert_eq!(
        al.deb_repo(m),
        "https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.35/deb/"
    );
    assert_eq!(
        al.docker_ce_rpm_repo,
        "https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo"
    );
    assert_eq!(
        al.docker_ce_deb_repo("ubuntu"),
        "https://mirrors.aliyun.com/docker-ce/linux/ubuntu"
    );
    assert_eq!(
        up.centos7_vault_repo,
        "https://vault.centos.org/7.9.2009/{repo}/{basearch}/"
    );
    assert_eq!(
        al.centos7_vault_repo,
        "https://mirrors.aliyun.com/centos-vault/7.9.2009/{repo}/{basearch}/"
    );
    for mi in [up, al] {
        for u in [mi.rpm_repo(m), mi.rpm_key(m), mi.deb_repo(m), mi.deb_key(m)] {
            assert!(u.starts_with("https://") && !u.contains('{'), "{u}");
        }
    }
    assert_eq!(
        m.pause_image(&al.image_repository),
        "registry.aliyuncs.com/google_containers/pause:3.10.1"
    );
    assert_eq!(m.kubeadm_api_version(), "kubeadm.k8s.io/v1beta4");
}

#[test]
fn manifest_urls() {
    assert_eq!(
        cat().manifest_url(Cni::Calico, "3.24.6"),
        "https://raw.githubusercontent.com/projectcalico/calico/v3.24.6/manifests/calico.yaml"
    );
    assert_eq!(
        cat().manifest_url(Cni::Flannel, "0.28.9"),
        "https://raw.githubusercontent.com/flannel-io/flannel/v0.28.9/Documentation/kube-flannel.yml"
    );
    assert!(cat().manifests.dashboard.contains("v2.7.0"));
}

#[test]
fn minor_for_validates_format_and_patch() {
    assert_eq!(cat().minor_for("1.25.3").unwrap().version, "1.25");
    assert_eq!(cat().minor_for("1.25.0").unwrap().version, "1.25");
    assert_eq!(cat().minor_for("1.25.16").unwrap().version, "1.25");
    // A patch newer than the catalog knows is accepted (a warning elsewhere says so).
    assert_eq!(cat().minor_for("1.35.9").unwrap().version, "1.35");
    assert_eq!(cat().newer_than_known("1.35.9").as_deref(), Some("1.35.8"));
    assert_eq!(cat().newer_than_known("1.35.8"), None);
    assert_eq!(
        cat().newer_than_known("1.25.17").as_deref(),
        Some("1.25.16")
    );
    assert!(matches!(
        cat().minor_for("1.24.0"),
        Err(CatalogError::UnknownMinor { .. })
    ));
    assert!(matches!(
        cat().minor_for("1.38.0"),
        Err(CatalogError::UnknownMinor { .. })
    ));
    for bad in [
        "1.25",
        "v1.25.3",
        "1.25.3 ",
        "1.25.03",
        "1.25.3-rc.1",
        "",
        "1..3",
        "1.25.x",
        "１.25.3",
    ] {
        assert!(
            matches!(cat().minor_for(bad), Err(CatalogError::Malformed { .. })),
            "{bad:?}"
        );
    }
    let e = cat().minor_for("v1.25.3").unwrap_err().to_string();
    assert!(e.contains("drop the leading `v`"), "{e}");
    let e = cat().minor_for("1.25").unwrap_err().to_string();
    assert!(e.contains("1.25.16"), "{e}");
    let e = cat().minor_for("1.38.0").unwrap_err().to_string();
    assert!(e.contains("1.25 to 1.37"), "{e}");
}

#[test]
fn conntrack_module_by_kernel() {
    assert_eq!(
        cat().conntrack_module("3.10.0-1160.el7.x86_64"),
        "nf_conntrack_ipv4"
    );
    assert_eq!(cat().conntrack_module("5.15.0-91-generic"), "nf_conntrack");
    assert_eq!(cat().conntrack_module("4.19.0"), "nf_conntrack");
}
