//! What a test asks for: each host's OS ([`Flavour`]), its users and how they use sudo, its
//! name and resources ([`HostSpec`]).

/// The OS a host pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// CentOS Linux 7.9.2009, kernel 3.10.0-1160.el7, cgroup v1, SELinux enforcing, firewalld.
    Centos7,
    /// Rocky Linux 8.9, kernel 4.18.0-513.5.1.el8_9 (nf_conntrack, no nf_conntrack_ipv4), cgroup v1.
    Rocky8,
    /// Rocky Linux 9.3, kernel 5.14.0-362.el9, cgroup v2, SELinux enforcing, firewalld.
    Rocky9,
    /// Ubuntu 22.04.3, kernel 5.15.0-91-generic, cgroup v2, ufw (inactive).
    Ubuntu2204,
    /// Ubuntu 24.04.1, kernel 6.8.0-41-generic, cgroup v2, distro containerd 1.7.
    Ubuntu2404,
    /// Debian 12, kernel 6.1.0-17-amd64, cgroup v2, distro containerd 1.6.20.
    Debian12,
    /// Debian 11 (bullseye), kernel 5.10.0-32-amd64, cgroup v2, apt 2.2.4 (no /etc/apt/keyrings), distro
    /// containerd 1.4.13.
    Debian11,
}

impl Flavour {
    pub fn id(self) -> &'static str {
        match self {
            Flavour::Centos7 => "centos7",
            Flavour::Rocky8 => "rocky8",
            Flavour::Rocky9 => "rocky9",
            Flavour::Ubuntu2204 => "ubuntu2204",
            Flavour::Ubuntu2404 => "ubuntu2404",
            Flavour::Debian12 => "debian12",
            Flavour::Debian11 => "debian11",
        }
    }
    pub fn default_kernel(self) -> &'static str {
        match self {
            Flavour::Centos7 => "3.10.0-1160.el7.x86_64",
            Flavour::Rocky8 => "4.18.0-513.5.1.el8_9.x86_64",
            Flavour::Rocky9 => "5.14.0-362.el9.x86_64",
            Flavour::Ubuntu2204 => "5.15.0-91-generic",
            Flavour::Ubuntu2404 => "6.8.0-41-generic",
            Flavour::Debian12 => "6.1.0-17-amd64",
            Flavour::Debian11 => "5.10.0-32-amd64",
        }
    }
    pub fn default_cgroup(self) -> u8 {
        if matches!(self, Flavour::Centos7 | Flavour::Rocky8) {
            1
        } else {
            2
        }
    }
    pub fn is_rhel(self) -> bool {
        matches!(self, Flavour::Centos7 | Flavour::Rocky8 | Flavour::Rocky9)
    }
}

/// Whether a non-root user may use sudo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sudo {
    /// `user ALL=(ALL) NOPASSWD:ALL`
    NoPassword,
    /// `user ALL=(ALL) ALL` (so `sudo -n` fails: "a password is required")
    Password,
    /// Not in sudoers at all.
    None,
}

#[derive(Debug, Clone)]
pub struct UserSpec {
    pub name: String,
    /// Login password (enables PasswordAuthentication).
    pub password: Option<String>,
    pub sudo: Sudo,
    /// Whether the fleet's client key is in the user's authorized_keys.
    pub key: bool,
}

/// What one test host looks like. Build with [`HostSpec::new`] and the builder methods.
#[derive(Debug, Clone)]
pub struct HostSpec {
    /// Name used in cluster.toml and in test messages (not the host's hostname, which starts out
    /// as a fresh machine's: "localhost.localdomain" / "ubuntu" / "debian").
    pub name: String,
    pub flavour: Flavour,
    pub kernel: Option<String>,
    pub cgroup: Option<u8>,
    pub cpus: u32,
    pub memory_mb: u64,
    /// Size of the swap device in /etc/fstab (active at boot); 0 = no swap.
    pub swap_mb: u64,
    pub product_uuid: Option<String>,
    /// Added to the host's clock as seen by `date` and `timedatectl`.
    pub clock_offset_secs: i64,
    pub hostname: Option<String>,
    /// The fleet's client key in root's authorized_keys (default true).
    pub root_key: bool,
    /// Root password + PermitRootLogin yes + PasswordAuthentication yes.
    pub root_password: Option<String>,
    pub user: Option<UserSpec>,
    /// SELinux mode in /etc/selinux/config on RHEL flavours (default "enforcing").
    pub selinux: Option<String>,
    /// CentOS 7 only: the base repos of the 2009 install media (mirrorlist.centos.org, dead since
    /// 2024) instead of vault.centos.org; every yum run then fails until the repos are fixed.
    pub centos_eol_repos: bool,
    /// The "China network" (mainland China behind the Great Firewall): only the Chinese mirrors, the OS
    /// mirrors and the fleet answer; every other host times out (tests/sim/kwsim/netpolicy.py).
    pub china: bool,
    /// Timing profile: seconds per action (pkg_install per package, image_pull per image, init, join,
    /// node_ready, join_discovery_timeout, node_grace). Written to /etc/kwsim/profile.
    pub profile: Vec<(String, f64)>,
    /// Patches the host's Kubernetes repositories (and registries) carry beyond the simulator's facts, per
    /// minor: the repositories moved on since kubewiz's catalog was written.
    pub k8s_extra_patches: Vec<(u32, u32)>,
}

impl HostSpec {
    pub fn new(name: &str, flavour: Flavour) -> HostSpec {
        HostSpec {
            name: name.to_string(),
            flavour,
            kernel: None,
            cgroup: None,
            cpus: 2,
            memory_mb: 4096,
            swap_mb: 2048,
            product_uuid: None,
            clock_offset_secs: 0,
            hostname: None,
            root_key: true,
            root_password: None,
            user: None,
            selinux: None,
            centos_eol_repos: false,
            china: false,
            profile: Vec::new(),
            k8s_extra_patches: Vec::new(),
        }
    }
    /// See [`HostSpec::china`].
    pub fn china(mut self) -> Self {
        self.china = true;
        self
    }
    /// See [`HostSpec::centos_eol_repos`].
    pub fn centos_eol_repos(mut self) -> Self {
        self.centos_eol_repos = true;
        self
    }
    pub fn kernel(mut self, k: &str) -> Self {
        self.kernel = Some(k.into());
        self
    }
    pub fn cgroup(mut self, v: u8) -> Self {
        self.cgroup = Some(v);
        self
    }
    pub fn cpus(mut self, n: u32) -> Self {
        self.cpus = n;
        self
    }
    pub fn memory_mb(mut self, m: u64) -> Self {
        self.memory_mb = m;
        self
    }
    pub fn swap_mb(mut self, m: u64) -> Self {
        self.swap_mb = m;
        self
    }
    pub fn product_uuid(mut self, u: &str) -> Self {
        self.product_uuid = Some(u.into());
        self
    }
    pub fn clock_offset_secs(mut self, s: i64) -> Self {
        self.clock_offset_secs = s;
        self
    }
    pub fn hostname(mut self, h: &str) -> Self {
        self.hostname = Some(h.into());
        self
    }
    /// Root logs in with a password only (no authorized key).
    pub fn root_password(mut self, pw: &str) -> Self {
        self.root_password = Some(pw.into());
        self.root_key = false;
        self
    }
    /// A non-root user with the fleet key (and optionally a password) and the given sudo rights.
    pub fn user(mut self, name: &str, sudo: Sudo) -> Self {
        self.user = Some(UserSpec {
            name: name.into(),
            password: None,
            sudo,
            key: true,
        });
        self
    }
    pub fn user_spec(mut self, u: UserSpec) -> Self {
        self.user = Some(u);
        self
    }
    pub fn selinux(mut self, mode: &str) -> Self {
        self.selinux = Some(mode.into());
        self
    }
    pub fn profile(mut self, key: &str, secs: f64) -> Self {
        self.profile.push((key.into(), secs));
        self
    }
    /// The repositories carry Kubernetes 1.`minor`.0 ..= 1.`minor`.`patch` (if newer than the simulator's facts).
    pub fn k8s_patches_up_to(mut self, minor: u32, patch: u32) -> Self {
        self.k8s_extra_patches.push((minor, patch));
        self
    }
}
