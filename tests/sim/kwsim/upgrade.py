"""Day-2 physics: kubeadm upgrade plan|apply|node, kubeadm certs check-expiration|renew, certificate expiry with
a simulated clock, kubectl cordon|uncordon|drain with PodDisruptionBudgets, static pods as containers (crictl ps|exec),
etcdctl snapshot save inside the etcd container.

Every fact here comes from upstream (cited next to it):
- kubeadm upgrade policy: kubernetes/kubernetes cmd/kubeadm/app/phases/upgrade/policy.go (commit 04791b49): one minor
  at a time (MaximumAllowedMinorVersionUpgradeSkew = 1), kubeadm must be of the target's minor, a kubeadm older than
  the target patch needs --force, kubelets more than one minor older than the target need --force
  (MaximumAllowedMinorVersionKubeletSkew = 1). Messages verbatim.
- cluster health before plan/apply: cmd/kubeadm/app/phases/upgrade/health.go: ControlPlaneNodesReady ("there are
  NotReady control-planes in the cluster: [...]"), StaticPodManifest.
- apply output and confirmation: cmd/kubeadm/app/cmd/upgrade/apply.go ("-y/--yes", "[upgrade/version] FATAL",
  "[upgrade/successful] SUCCESS! ..."); `upgrade apply` again at the version the cluster runs is accepted (runApply
  and policy.go refuse only a skew) and cmd/kubeadm/app/phases/upgrade/staticpods.go upgradeComponent skips each
  component whose manifest is unchanged ("current and new manifests of %s are equal, skipping upgrade").
- upgrade node: cmd/kubeadm/app/cmd/phases/upgrade/node/{preflight,controlplane,kubeletconfig}.go.
- certificates: constants.go (CertificateValidityPeriod 365 d, CA 10 y); cmd/kubeadm/app/cmd/certs.go
  (check-expiration table, "Jan 02, 2006 15:04 MST", ShortHumanDuration, renew messages, fallback to the default
  configuration when the cluster cannot be read).
- restart of static pods after a renewal: website content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-certs.md
  (move the manifest out of /etc/kubernetes/manifests, the kubelet stops the pod, move it back).
- kubectl drain: kubernetes/kubectl pkg/drain/drain.go (eviction, 429 retried every 5 s "(will retry after 5s)",
  "global timeout reached"), pkg/cmd/drain/drain.go ("error: unable to drain node %q due to error: %s, continuing
  command...", "There are pending nodes to be drained:"); the node stays cordoned after a failed drain.
- etcd image: kubernetes/kubernetes cluster/images/etcd/Dockerfile (etcdctl in /usr/local/bin); etcd op-guide
  recovery.md (`etcdctl snapshot save`, still in etcdctl in 3.6).

State: certificates of a control plane in /etc/kubernetes/pki/kwsim-certs.json ({"aged": s, "certs": {name:
not_after}, "cas": {name: not_after}}); `kwsim-ctl age-certs SECS` moves the simulated clock of that host's
certificates SECS forward (every not_after - SECS). The API server loads its serving certificate when it starts;
once that expires every request fails like a TLS handshake would (x509), until the apiserver restarts with a
renewed one. Cluster-side upgrade state (cordoned nodes, pod placement, drains, applies) lives in the apiserver
state under "upgrade".
"""

import json
import os
import re
import shutil
import socket
import sys
import time

from kwsim import common
from kwsim.common import RUN, err, die

PKI = "/etc/kubernetes/pki"
CERTS = PKI + "/kwsim-certs.json"
MANIFESTS = "/etc/kubernetes/manifests"
YEAR = 365 * 86400
STATIC_PODS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


def _k8s():
    from kwsim import k8s

    return k8s


# ----- certificates -------------------------------------------------------------------------------

def cert_names(minor):
    """kubeadm's renewal manager: the certificates of a control plane (super-admin.conf from 1.29)."""
    names = ["admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf",
             "etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf"]
    if minor >= 29:
        names.insert(names.index("scheduler.conf") + 1, "super-admin.conf")
    return names


CA_OF = {"apiserver-etcd-client": "etcd-ca", "etcd-healthcheck-client": "etcd-ca", "etcd-peer": "etcd-ca",
         "etcd-server": "etcd-ca", "front-proxy-client": "front-proxy-ca"}


def load_certs():
    return common.load_json(CERTS, None)


def write_pki(version):
    """Called by kubeadm init and control-plane join: the certificate dates and the etcd pki files."""
    now = time.time()
    minor = common.minor_of(version)
    certs = {n: now + YEAR for n in cert_names(minor)}
    cur = load_certs() or {}
    cas = cur.get("cas") or {n: now + 10 * YEAR for n in ("ca", "etcd-ca", "front-proxy-ca")}
    common.save_json(CERTS, {"aged": cur.get("aged", 0), "certs": certs, "cas": cas})
    os.makedirs(PKI + "/etcd", exist_ok=True)
    for f in ("ca.crt", "ca.key", "server.crt", "server.key", "peer.crt", "peer.key", "healthcheck-client.crt",
              "healthcheck-client.key"):
        p = "%s/etcd/%s" % (PKI, f)
        if not os.path.exists(p):
            common.write_file(p, "simulated\n", 0o600 if f.endswith(".key") else 0o644)


def age_certs(secs):
    c = load_certs()
    if c is None:
        die("kwsim-ctl: no certificates here (%s): not a control plane" % CERTS, 1)
    c["aged"] = c.get("aged", 0) + secs
    for table in ("certs", "cas"):
        for n in c[table]:
            c[table][n] -= secs
    common.save_json(CERTS, c)
    return 0


def renew_certs(names=None):
    c = load_certs()
    if c is None:
        return []
    now = time.time()
    done = []
    for n in c["certs"]:
        if names is None or n in names:
            c["certs"][n] = now + YEAR
            done.append(n)
    common.save_json(CERTS, c)
    return done


def short_duration(secs):
    """apimachinery's duration.ShortHumanDuration."""
    s = int(secs)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60:
        return "%ds" % s
    if s < 3600:
        return "%dm" % (s // 60)
    h = s // 3600
    if h < 24:
        return "%dh" % h
    if h < 24 * 365:
        return "%dd" % (h // 24)
    return "%dy" % (h // 24 // 365)


def fmt_date(t):
    return time.strftime("%b %d, %Y %H:%M UTC", time.gmtime(t))


def serving_cert_error():
    """None while the apiserver's serving certificate (as loaded when it started) is valid, else the x509 error."""
    loaded = _SERVING.get("not_after")
    if loaded is None:
        return None
    c = load_certs() or {}
    aged_since = c.get("aged", 0) - _SERVING.get("aged", 0)
    expires = loaded - aged_since
    if time.time() > expires:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + aged_since))
        return ("x509: certificate has expired or is not yet valid: current time %s is after %s"
                % (now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(loaded))))
    return None


_SERVING = {}


def apiserver_started():
    """The apiserver reads its certificate once, at start (a renewal needs a restart)."""
    c = load_certs()
    if c and "apiserver" in c["certs"]:
        _SERVING["not_after"] = c["certs"]["apiserver"]
        _SERVING["aged"] = c.get("aged", 0)


def kubeadm_certs(argv):
    if not argv or argv[0] not in ("check-expiration", "renew"):
        die("Error: unknown command %r for \"kubeadm certs\"" % (argv[0] if argv else ""), 1)
    if os.geteuid() != 0:
        die("error: open /etc/kubernetes/pki/ca.crt: permission denied", 1)
    prefix = argv[0] if argv[0] == "check-expiration" else "renew"
    c = load_certs()
    if c is None:
        die("error: failed to load existing certificate ca: open /etc/kubernetes/pki/ca.crt: no such file or directory", 1)
    # Reads the configuration from the cluster; falls back to the defaults when it cannot (certs.go getInternalCfg).
    srv = _k8s().local_server() if os.path.exists("/etc/kubernetes/admin.conf") else None
    st, e = _k8s().api(srv, "/kwsim/state") if srv else (None, "no admin.conf")
    print("[%s] Reading configuration from the cluster..." % prefix)
    print("[%s] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'" % prefix)
    if e:
        print("[%s] Error reading configuration from the Cluster. Falling back to default configuration\n" % prefix)
    else:
        print()
    if argv[0] == "check-expiration":
        now = time.time()
        rows = [("CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED")]
        for n in sorted(c["certs"]):
            t = c["certs"][n]
            rows.append((n, fmt_date(t), short_duration(t - now), CA_OF.get(n, "ca"), "no"))
        print(table(rows))
        print()
        rows = [("CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED")]
        for n in ("ca", "etcd-ca", "front-proxy-ca"):
            t = c["cas"][n]
            rows.append((n, fmt_date(t), short_duration(t - now), "no"))
        print(table(rows))
        return 0
    what = argv[1] if len(argv) > 1 else ""
    if what != "all" and what not in c["certs"]:
        die("Error: unknown command %r for \"kubeadm certs renew\"" % what, 1)
    common.log_call()
    done = renew_certs(None if what == "all" else [what])
    for n in done:
        if n.endswith(".conf"):
            _rewrite_kubeconfig(n)
        print("certificate %s renewed" % LONG.get(n, "for " + n))
    if what == "all":
        print("\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler "
              "and etcd, so that they can use the new certificates.")
    return 0


LONG = {"admin.conf": "embedded in the kubeconfig file for the admin to use and for kubeadm itself",
        "super-admin.conf": "embedded in the kubeconfig file for the super-admin",
        "apiserver": "for serving the Kubernetes API",
        "apiserver-etcd-client": "the apiserver uses to access etcd",
        "apiserver-kubelet-client": "for the API server to connect to kubelet",
        "controller-manager.conf": "embedded in the kubeconfig file for the controller manager to use",
        "etcd-healthcheck-client": "for liveness probes to healthcheck etcd",
        "etcd-peer": "for etcd nodes to communicate with each other",
        "etcd-server": "for serving etcd",
        "front-proxy-client": "for the front proxy client",
        "scheduler.conf": "embedded in the kubeconfig file for the scheduler manager to use"}


def _rewrite_kubeconfig(name):
    """A renewed kubeconfig has a new client certificate (same server, same user)."""
    p = "/etc/kubernetes/" + name
    text = common.read_file(p)
    if not text:
        return
    server = re.search(r"server:\s*https://(\S+)", text)
    user = re.search(r"(?m)^- name: (\S+)", text)
    if server and user:
        common.write_file(p, _k8s().kubeconfig(server.group(1), user.group(1)), 0o600)


def table(rows):
    """text/tabwriter with minwidth 10, padding 3 (certs.go)."""
    widths = [max(10, max(len(r[i]) for r in rows)) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        out.append("".join(c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)).rstrip())
    return "\n".join(out)


# ----- static pods as containers (crictl ps|exec) --------------------------------------------------

PODS_RUN = RUN + "/static-pods.json"


def running_static_pods():
    """The static pods' containers: started by the kubelet's loop when their manifest appears, stopped by it when
    the manifest goes (they keep running while the kubelet is stopped, like containers under containerd)."""
    running = common.load_json(PODS_RUN, {})
    out = []
    for comp in STATIC_PODS:
        if comp not in running:
            continue
        if comp == "kube-apiserver":
            pid = common.read_file(RUN + "/apiserver.pid")
            if not (pid and common.pid_alive(pid.strip())):
                continue
        out.append(comp)
    return out


def container_id(comp):
    import hashlib

    return hashlib.sha256(("%s-%s" % (comp, socket.gethostname())).encode()).hexdigest()[:13]


def static_pods_sync():
    """One round of the kubelet's static pod loop (the real one looks every fileCheckFrequency, 20 s)."""
    running = common.load_json(PODS_RUN, {})
    changed = False
    for comp in STATIC_PODS:
        present = os.path.exists("%s/%s.yaml" % (MANIFESTS, comp))
        if present and comp not in running:
            running[comp] = time.time()
            changed = True
        elif not present and comp in running:
            del running[comp]
            changed = True
            if comp == "kube-apiserver":
                stop_apiserver()
    if changed:
        common.save_json(PODS_RUN, running)


def stop_apiserver():
    pid = common.read_file(RUN + "/apiserver.pid")
    if pid:
        try:
            os.kill(int(pid), 9)
        except (OSError, ValueError):
            pass
        os.remove(RUN + "/apiserver.pid")


def static_pods_reset():
    """kubeadm reset removes the control plane's containers."""
    if os.path.exists(PODS_RUN):
        os.remove(PODS_RUN)


def crictl_ps(args):
    name = None
    quiet = "-q" in args or "--quiet" in args
    for i, a in enumerate(args):
        if a == "--name" and i + 1 < len(args):
            name = args[i + 1]
        elif a.startswith("--name="):
            name = a.split("=", 1)[1]
    rows = [c for c in running_static_pods() if name is None or re.search(name, c)]
    if quiet:
        for c in rows:
            print(container_id(c))
        return 0
    print("CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT")
    for c in rows:
        print("%-19s %-19s %-19s %-19s %-19s 0" % (container_id(c), "sha256:" + container_id(c)[:12], "5 minutes ago",
                                                     "Running", c))
    return 0


def crictl_exec(args):
    rest = [a for a in args if a not in ("-i", "-t", "-it", "-ti", "--interactive", "--tty")]
    if not rest:
        die('time="%s" level=fatal msg="ID cannot be empty"' % time.strftime("%Y-%m-%dT%H:%M:%S"), 1)
    cid, cmd = rest[0], rest[1:]
    comp = [c for c in running_static_pods() if container_id(c).startswith(cid)]
    if not comp:
        die('time="%s" level=fatal msg="execing command in container: rpc error: code = NotFound desc = an error occurred '
            'when try to find container \\"%s\\": not found"' % (time.strftime("%Y-%m-%dT%H:%M:%S"), cid), 1)
    if comp[0] != "etcd" or not cmd or os.path.basename(cmd[0]) != "etcdctl":
        die('time="%s" level=fatal msg="execing command in container: exec: \\"%s\\": executable file not found in $PATH"'
            % (time.strftime("%Y-%m-%dT%H:%M:%S"), cmd[0] if cmd else ""), 1)
    return etcdctl(cmd[1:])


def etcdctl(argv):
    """etcdctl inside the etcd container: only /var/lib/etcd and /etc/kubernetes/pki/etcd are mounted from the host."""
    opts, pos = {}, []
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            opts[k] = v
        else:
            pos.append(a)
    for k in ("cacert", "cert", "key"):
        p = opts.get(k)
        if p and not (p.startswith(PKI + "/etcd/") and os.path.exists(p)):
            die('{"level":"fatal","msg":"Error: open %s: no such file or directory"}' % p, 1)
    if not all(opts.get(k) for k in ("cacert", "cert", "key")):
        die('{"level":"warn","msg":"retrying of unary invoker failed","error":"rpc error: code = DeadlineExceeded desc = '
            'context deadline exceeded"}\nError: context deadline exceeded', 1)
    if pos[:2] != ["snapshot", "save"] or len(pos) < 3:
        die("Error: unknown command %r for \"etcdctl\"" % " ".join(pos), 1)
    path = pos[2]
    if not path.startswith("/var/lib/etcd/"):
        die("Error: could not open %s.part (open %s.part: no such file or directory)" % (path, path), 1)
    common.log_call(["etcdctl", "snapshot", "save", path])
    srv = "127.0.0.1:6443"
    st, e = _k8s().api(srv, "/kwsim/state")
    if e:
        die('{"level":"warn","msg":"retrying of unary invoker failed","error":"rpc error: code = Unavailable"}\n'
            "Error: context deadline exceeded", 1)
    common.write_file(path, json.dumps(st), 0o600)
    print('{"level":"info","msg":"created temporary db file","path":"%s.part"}' % path)
    print("Snapshot saved at %s" % path)
    return 0


# ----- kubeadm upgrade -----------------------------------------------------------------------------

def is_ready(st, name):
    """Ready as the apiserver computed it (/kwsim/state carries node_objects: heartbeats live in its memory)."""
    from kwsim import apiserver

    for o in st.get("node_objects", []):
        if o["metadata"]["name"] == name:
            return o["status"]["conditions"][0]["status"] == "True"
    return name in st.get("nodes", {}) and apiserver.node_status(st, name)[0]


def health_errors(st):
    """health.go: every control-plane node Ready; the static pod manifests of this node exist."""
    errors = []
    notready = [n for n, v in sorted(st.get("nodes", {}).items()) if v.get("control_plane") and not is_ready(st, n)]
    if notready:
        errors.append(("ControlPlaneNodesReady", "there are NotReady control-planes in the cluster: [%s]" % " ".join(notready)))
    missing = ["%s/%s.yaml" % (MANIFESTS, c) for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
               if not os.path.exists("%s/%s.yaml" % (MANIFESTS, c))]
    if missing:
        errors.append(("StaticPodManifest", "The control plane seems to be Static Pod-hosted, but some of the manifests "
                                            "don't seem to exist on disk. This probably means you're running 'kubeadm "
                                            "upgrade' on a remote machine, which is not supported for a Static Pod-hosted "
                                            "cluster. Manifest files not found: [%s]" % " ".join(missing)))
    return errors


def fail_checks(errors):
    err("[preflight] Some fatal errors occurred:")
    for n, m in errors:
        err("\t[ERROR %s]: %s" % (n, m))
    err("[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n"
        "To see the stack trace of this error execute with --v=5 or higher")
    sys.exit(1)


def version_policy(cluster, kubeadm_v, target, kubelets):
    """(mandatory, skippable) errors of policy.go EnforceVersionPolicies."""
    vt = common.vtuple
    mandatory, skippable = [], []
    c, k, t = vt(cluster), vt(kubeadm_v), vt(target)
    if t[1] > c[1] + 1:
        mandatory.append('Specified version to upgrade to "%s" is too high; kubeadm can upgrade only 1 minor version at a '
                         'time' % target)
    if t[1] < c[1] - 1:
        mandatory.append('Specified version to downgrade to "%s" is too low; kubeadm can downgrade only 1 minor version '
                         'at a time' % target)
    if k < t:
        if t[1] > k[1]:
            mandatory.append('Specified version to upgrade to "%s" is at least one minor release higher than the kubeadm '
                             'minor release (%d > %d). Such an upgrade is not supported' % (target, t[1], k[1]))
        else:
            skippable.append('Specified version to upgrade to "%s" is higher than the kubeadm version "%s". Upgrade kubeadm '
                             'first using the tool you used to install kubeadm' % (target, kubeadm_v))
    if k[0] > t[0] or k[1] > t[1]:
        skippable.append("Kubeadm version %s can only be used to upgrade to Kubernetes version %d.%d"
                         % (kubeadm_v, k[0], k[1]))
    old = sorted({v for v in kubelets if t[1] > vt(v)[1] + 1})
    if old:
        skippable.append("There are kubelets in this cluster that are too old that have these versions [%s]" % " ".join(old))
    return mandatory, skippable


def fmt_errs(errs):
    return "".join("\t- %s\n" % e for e in errs)


def cluster_state():
    k8s = _k8s()
    srv = k8s.local_server()
    st, e = k8s.api(srv, "/kwsim/state")
    if e:
        die("[upgrade/config] FATAL: failed to get config map: Get \"https://%s/api/v1/namespaces/kube-system/configmaps/"
            "kubeadm-config?timeout=10s\": %s\nTo see the stack trace of this error execute with --v=5 or higher"
            % (srv, e), 1)
    return srv, st


def kubeadm_upgrade(argv, kver):
    if not argv or argv[0] not in ("plan", "apply", "node"):
        die("Error: unknown command %r for \"kubeadm upgrade\"" % (argv[0] if argv else ""), 1)
    if os.geteuid() != 0:
        die("[preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root", 1)
    sub, args = argv[0], argv[1:]
    if sub == "node":
        return upgrade_node(args, kver)
    pos = [a for a in args if not a.startswith("-")]
    kv = "v" + kver
    if sub == "apply" and not pos:
        die("[upgrade/version] FATAL: missing one or more required arguments. Required arguments: [version]", 1)
    target = pos[0] if pos else None
    if target and not re.fullmatch(r"v?\d+\.\d+\.\d+", target):
        die('[upgrade/version] FATAL: couldn\'t parse Kubernetes version "%s": could not parse "%s" as version'
            % (target, target), 1)
    if sub == "apply":
        common.log_call()
    print("[preflight] Running pre-flight checks.")
    print("[upgrade/config] Reading configuration from the cluster...")
    print("[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
    srv, st = cluster_state()
    print("[upgrade] Running cluster health checks")
    errs = health_errors(st)
    if errs:
        fail_checks(errs)
    cluster = st.get("version", "")
    kubelets = [n.get("version", "") for n in st.get("nodes", {}).values() if n.get("version")]
    if target is None:
        print("[upgrade] Fetching available versions to upgrade to")
        print('[upgrade/versions] WARNING: Couldn\'t fetch latest stable version from the internet: unable to get URL '
              '"https://dl.k8s.io/release/stable.txt": Get "https://dl.k8s.io/release/stable.txt": dial tcp: lookup dl.k8s.io: '
              'no such host')
        print("[upgrade/versions] WARNING: Falling back to current kubeadm version as latest stable version")
        target = kv
    target = "v" + target.lstrip("v")
    if sub == "apply":
        print('[upgrade/version] You have chosen to change the cluster version to "%s"' % target)
    print("[upgrade/versions] Cluster version: %s" % cluster)
    print("[upgrade/versions] kubeadm version: %s" % kv)
    mandatory, skippable = version_policy(cluster, kv, target, kubelets)
    force = "--force" in args or "-f" in args
    if mandatory:
        die("[upgrade/version] FATAL: the --version argument is invalid due to these fatal errors:\n\n%s\nPlease fix the "
            "misalignments highlighted above and try upgrading again\nTo see the stack trace of this error execute with "
            "--v=5 or higher" % fmt_errs(mandatory), 1)
    if skippable and not force:
        die("[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n\n%s\nCan be bypassed if you "
            "pass the --force flag\nTo see the stack trace of this error execute with --v=5 or higher" % fmt_errs(skippable), 1)
    if sub == "plan":
        return print_plan(st, cluster, kv, target)
    if not ("-y" in args or "--yes" in args or force):
        print("[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: ", end="")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            die("won't proceed; the user didn't answer (Y|y) in order to continue", 1)
    repo = st.get("image_repository", "registry.k8s.io")
    pull_images(target, repo)
    renew = "--certificate-renewal=false" not in args
    print('[upgrade/apply] Upgrading your Static Pod-hosted control plane to version "%s"...' % target)
    upgrade_static_pods(target, repo, renew)
    res, e = _k8s().api(srv, "/kwsim/upgrade/applied", {"from": cluster, "to": target, "node": node_name()}, timeout=15)
    if e or not res.get("ok"):
        die("[upgrade/postupgrade] FATAL post-upgrade error: %s" % (e or res.get("error")), 1)
    print("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace")
    print("[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for the kubelets "
          "in the cluster")
    print("[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n")
    print('[upgrade/successful] SUCCESS! Your cluster was upgraded to "%s". Enjoy!\n' % target)
    print("[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you "
          "haven't already done so.")
    return 0


def print_plan(st, cluster, kv, target):
    print("[upgrade/versions] Target version: %s" % target)
    print("[upgrade/versions] Latest version in the %s series: %s\n" % (".".join(cluster.split(".")[:2]), cluster))
    print("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':")
    rows = [("COMPONENT", "NODE", "CURRENT", "TARGET")]
    for n, v in sorted(st.get("nodes", {}).items()):
        rows.append(("kubelet", n, v.get("version", ""), target))
    print(table(rows) + "\n")
    print("Upgrade to the latest version in the %s series:\n" % ".".join(target.split(".")[:2]))
    rows = [("COMPONENT", "NODE", "CURRENT", "TARGET")]
    for n, v in sorted(st.get("nodes", {}).items()):
        if v.get("control_plane"):
            for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
                rows.append((comp, n, cluster, target))
    rows.append(("kube-proxy", "", cluster, target))
    print(table(rows) + "\n")
    print("You can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply %s\n" % target)
    print("_____________________________________________________________________\n")
    return 0


def node_name():
    n = common.load_json("/var/lib/kubelet/kwsim-node.json", {})
    return n.get("name") or socket.gethostname()


def pull_images(target, repo):
    k8s = _k8s()
    print("[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster")
    for img in k8s.image_list(target.lstrip("v"), repo):
        if "kube-proxy" in img:
            continue
        p = k8s.image_problem(img)
        if p:
            die("[preflight] Some fatal errors occurred:\n\t[ERROR ImagePull]: failed to pull image %s: %s\n"
                "To see the stack trace of this error execute with --v=5 or higher" % (img, p), 1)
        if img not in k8s.images():
            common.sleep_for("image_pull")
            k8s.add_images([img])


def upgrade_static_pods(target, repo, renew):
    """New manifests (image tags), renewed certificates, the apiserver restarted by the kubelet."""
    k8s = _k8s()
    common.sleep_for("upgrade_apply")
    changed = set()
    for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
        p = "%s/%s.yaml" % (MANIFESTS, comp)
        text = common.read_file(p)
        if text is None:
            continue
        img = [i for i in k8s.image_list(target.lstrip("v"), repo) if "/%s:" % comp in i][0]
        new = re.sub(r"(?m)^(\s*image:\s*)\S+", lambda m: m.group(1) + img, text)
        if new == text:
            # Again at the version it runs (apply.go accepts it): phases/upgrade/staticpods.go upgradeComponent
            # skips a component whose manifest is unchanged.
            print("[upgrade/staticpods] current and new manifests of %s are equal, skipping upgrade" % comp)
            continue
        changed.add(comp)
        if comp != "etcd":
            print('[upgrade/staticpods] Preparing for "%s" upgrade' % comp)
            if renew and comp == "kube-apiserver":
                for c in ("apiserver", "apiserver-kubelet-client", "front-proxy-client", "apiserver-etcd-client"):
                    print("[upgrade/staticpods] Renewing %s certificate" % c)
            common.write_file(p, new)
            print('[upgrade/staticpods] Component "%s" upgraded successfully!' % comp)
        else:
            common.write_file(p, new)
    if renew:
        for n in renew_certs():
            if n.endswith(".conf"):
                _rewrite_kubeconfig(n)
    if "kube-apiserver" in changed:
        restart_apiserver()


def restart_apiserver():
    pid = common.read_file(RUN + "/apiserver.pid")
    if pid:
        try:
            os.kill(int(pid), 9)
        except (OSError, ValueError):
            pass
    deadline = time.time() + 30
    while time.time() < deadline:
        if _k8s().api("127.0.0.1:6443", "/healthz")[1] is None:
            return
        time.sleep(0.2)
    die("[upgrade/staticpods] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the "
        "earlier state. Errors faced: timed out waiting for the condition", 1)


def upgrade_node(args, kver):
    common.log_call(["kubeadm", "upgrade", "node"] + args)
    print("[upgrade] Reading configuration from the cluster...")
    print("[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
    if not os.path.exists("/etc/kubernetes/kubelet.conf"):
        die("failed to load kubelet config: open /etc/kubernetes/kubelet.conf: no such file or directory", 1)
    node = common.load_json("/var/lib/kubelet/kwsim-node.json", {})
    srv = node.get("server") or "127.0.0.1:6443"
    st, e = _k8s().api(srv, "/kwsim/state")
    if e:
        die("unable to fetch the kubeadm-config ConfigMap: failed to get config map: Get \"https://%s/api/v1/namespaces/"
            "kube-system/configmaps/kubeadm-config?timeout=10s\": %s" % (srv, e), 1)
    target = st.get("version", "")
    print("[upgrade/preflight] Running pre-flight checks")
    cp = os.path.exists(MANIFESTS + "/kube-apiserver.yaml")
    if cp:
        print("[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster")
        pull_images(target, st.get("image_repository", "registry.k8s.io"))
        print('[upgrade] Upgrading your Static Pod-hosted control plane instance to version "%s"...' % target)
        repo = st.get("image_repository", "registry.k8s.io")
        for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            p = "%s/%s.yaml" % (MANIFESTS, comp)
            text = common.read_file(p)
            if text is not None:
                img = [i for i in _k8s().image_list(target.lstrip("v"), repo) if "/%s:" % comp in i][0]
                common.write_file(p, re.sub(r"(?m)^(\s*image:\s*)\S+", lambda m: m.group(1) + img, text))
        if "--certificate-renewal=false" not in args:
            renew_certs()
        print("[upgrade] The control plane instance for this node was successfully updated!")
    else:
        print("[upgrade/preflight] Skipping prepull. Not a control plane node.")
        print("[upgrade] Skipping phase. Not a control plane node.")
    backup = "/etc/kubernetes/tmp/kubeadm-kubelet-config%d" % int(time.time() * 1000 % 1e9)
    os.makedirs(backup, exist_ok=True)
    if os.path.exists("/var/lib/kubelet/config.yaml"):
        print("[upgrade] Backing up kubelet config file to %s/config.yaml" % backup)
        shutil.copy("/var/lib/kubelet/config.yaml", backup + "/config.yaml")
    print('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"')
    node["kubelet_config"] = target
    common.write_file("/var/lib/kubelet/kwsim-node.json", json.dumps(node))
    print("[upgrade] The configuration for this node was successfully updated!")
    print("[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.")
    return 0


# ----- cluster side (apiserver state) --------------------------------------------------------------

def up(st):
    return st.setdefault("upgrade", {"unschedulable": {}, "placement": {}, "drains": [], "applies": [], "evictions": []})


def api_post(st, path, req):
    u = up(st)
    now = time.time()
    if path == "/kwsim/upgrade/applied":
        u["applies"].append({"from": req["from"], "to": req["to"], "node": req.get("node"), "at": now})
        st["version"] = req["to"]
        return 200, {"ok": True}
    if path == "/kwsim/upgrade/cordon":
        name, on = req["name"], bool(req["on"])
        if name not in st.get("nodes", {}):
            return 200, {"error": 'nodes "%s" not found' % name}
        was = u["unschedulable"].get(name, False)
        if on:
            u["unschedulable"][name] = True
        else:
            u["unschedulable"].pop(name, None)
        if on and not was:
            u["drains"].append({"node": name, "version": st.get("version"), "at": now})
        return 200, {"ok": True, "changed": was != on}
    if path == "/kwsim/upgrade/evict":
        return evict(st, req["namespace"], req["name"])
    return 404, {"error": "not found"}


def decorate_node(st, name, obj):
    if up(st)["unschedulable"].get(name):
        obj["spec"]["unschedulable"] = True
        obj["spec"]["taints"] = obj["spec"].get("taints", []) + [
            {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable"}]
    return obj


# Pods: kube-system/dashboard/CNI pods come from k8s.pods_of; deployments applied by tests add theirs. A pod is
# (namespace, name, phase, node) plus, here, its owner and what drain looks at.

SYSTEM_TOLERATES_CP = ("coredns-", "calico-kube-controllers-")


def workload_pods(st):
    """Pods of Deployments applied with kubectl apply (spec parsed by object_spec)."""
    out = []
    for key, o in sorted(st.get("objects", {}).items()):
        if o.get("kind") != "Deployment" or o.get("namespace") in ("kube-system", "kubernetes-dashboard", "kube-flannel"):
            continue
        spec = o.get("spec", {})
        for i in range(int(spec.get("replicas", 1))):
            out.append({"ns": o.get("namespace") or "default", "name": "%s-%s-%d" % (o["name"], "7d9c6b8f5", i),
                        "app": spec.get("app", o["name"]), "owner": "ReplicaSet", "emptydir": spec.get("emptydir", False),
                        "cp": False})
    return out


def place(st, pods):
    """pods_of's list with nodes from the placement (evictions move pods) and the applied workloads added."""
    u = up(st)
    names = sorted(st.get("nodes", {}), key=lambda n: st["nodes"][n].get("registered", 0))
    workers = [n for n in names if not st["nodes"][n].get("control_plane")] or names
    out = []
    for ns, name, phase, node in pods:
        key = "%s/%s" % (ns, name)
        if key in u["placement"]:
            node = u["placement"][key]
            phase = "Pending" if node == "<none>" else phase
        out.append((ns, name, phase, node))
    for i, p in enumerate(workload_pods(st)):
        key = "%s/%s" % (p["ns"], p["name"])
        node = u["placement"].get(key) or (workers[i % len(workers)] if workers else "<none>")
        ready = is_ready(st, node)
        out.append((p["ns"], p["name"], "Running" if ready else "Pending", node))
    return out


def pod_info(st, ns, name):
    """Owner / drain-relevant facts of a pod."""
    for p in workload_pods(st):
        if p["ns"] == ns and p["name"] == name:
            return p
    ds = name.startswith(("kube-proxy-", "calico-node-", "kube-flannel-ds-"))
    static = any(name.startswith(c + "-") for c in STATIC_PODS)
    return {"ns": ns, "name": name, "owner": "DaemonSet" if ds else ("Node" if static else "ReplicaSet"),
            "emptydir": name.startswith("kubernetes-dashboard-"), "app": name.rsplit("-", 2)[0],
            "cp": name.startswith(SYSTEM_TOLERATES_CP)}


def pdbs_for(st, ns, app):
    return [o for o in st.get("objects", {}).values()
            if o.get("kind") == "PodDisruptionBudget" and (o.get("namespace") or "default") == ns
            and o.get("spec", {}).get("app") == app]


def evict(st, ns, name):
    """The Eviction API: 429 while a PodDisruptionBudget allows no disruption; else the pod moves to another
    schedulable Ready node (or stays Pending when there is none)."""
    from kwsim import k8s

    pods = place(st, k8s.pods_of_raw(st))
    me = [p for p in pods if p[0] == ns and p[1] == name]
    if not me:
        return 200, {"code": 404}
    info = pod_info(st, ns, name)
    for pdb in pdbs_for(st, ns, info["app"]):
        spec = pdb["spec"]
        matching = [p for p in pods if p[0] == ns and pod_info(st, p[0], p[1])["app"] == info["app"]]
        healthy = len([p for p in matching if p[2] == "Running"])
        if "min_available" in spec:
            allowed = healthy - int(spec["min_available"])
        else:
            allowed = int(spec.get("max_unavailable", 1)) - (len(matching) - healthy)
        if allowed <= 0:
            return 200, {"code": 429, "error": "Cannot evict pod as it would violate the pod's disruption budget.",
                         "pdb": pdb["name"]}
    u = up(st)
    names = sorted(st.get("nodes", {}), key=lambda n: st["nodes"][n].get("registered", 0))
    cur = me[0][3]
    ok = [n for n in names if n != cur and not u["unschedulable"].get(n) and is_ready(st, n)
          and (info["cp"] or not st["nodes"][n].get("control_plane"))]
    load = {n: len([p for p in pods if p[3] == n]) for n in ok}
    u["placement"]["%s/%s" % (ns, name)] = min(ok, key=lambda n: (load[n], names.index(n))) if ok else "<none>"
    u["evictions"].append({"pod": "%s/%s" % (ns, name), "from": cur, "at": time.time()})
    return 200, {"code": 201}


def object_spec(kind, doc):
    """What the simulator keeps of an applied Deployment or PodDisruptionBudget."""
    spec = {}
    if kind == "Deployment":
        m = re.search(r"(?m)^  replicas:\s*(\d+)", doc)
        spec["replicas"] = int(m.group(1)) if m else 1
        m = re.search(r"(?ms)^  selector:\s*\n\s+matchLabels:\s*\n\s+app:\s*[\"']?([\w.-]+)", doc)
        if m:
            spec["app"] = m.group(1)
        spec["emptydir"] = "emptyDir" in doc
    if kind == "PodDisruptionBudget":
        m = re.search(r"(?m)^  minAvailable:\s*(\d+)", doc)
        if m:
            spec["min_available"] = int(m.group(1))
        m = re.search(r"(?m)^  maxUnavailable:\s*(\d+)", doc)
        if m:
            spec["max_unavailable"] = int(m.group(1))
        m = re.search(r"(?ms)^  selector:\s*\n\s+matchLabels:\s*\n\s+app:\s*[\"']?([\w.-]+)", doc)
        if m:
            spec["app"] = m.group(1)
    return spec


# ----- kubectl cordon | uncordon | drain ------------------------------------------------------------

def parse_duration(s):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", s or "0")
    if not m:
        die('error: invalid argument "%s" for "--timeout" flag: time: invalid duration "%s"' % (s, s), 1)
    n = int(m.group(1))
    return n * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def kubectl_node(cmd, server, argv, pos):
    k8s = _k8s()
    i, opts = 0, {}
    while i < len(argv):
        a = argv[i]
        if a in ("--timeout", "--grace-period", "--kubeconfig", "--pod-selector", "--selector", "-l"):
            opts[a] = argv[i + 1] if i + 1 < len(argv) else ""
            i += 2
            continue
        if a.startswith("--") and "=" in a:
            k, v = a.split("=", 1)
            opts[k] = v
        elif a.startswith("-"):
            opts[a] = True
        i += 1
    names = pos[1:]
    if not names:
        die("error: USAGE: %s NODE [flags]\nSee 'kubectl %s -h' for help and examples" % (cmd, cmd), 1)
    common.log_call(["kubectl"] + argv)
    rc = 0
    for n in names:
        res, e = k8s.api(server, "/kwsim/upgrade/cordon", {"name": n, "on": cmd != "uncordon"})
        if e:
            die("Unable to connect to the server: %s" % e if "refused" not in e else
                "The connection to the server %s was refused - did you specify the right host or port?" % server, 1)
        if res.get("error"):
            err('Error from server (NotFound): %s' % res["error"])
            rc = 1
            continue
        verb = "uncordoned" if cmd == "uncordon" else "cordoned"
        print("node/%s %s%s" % (n, "" if res.get("changed") else "already ", verb))
        if cmd == "drain":
            if drain(server, n, opts) != 0:
                rc = 1
    return rc


def drain(server, node, opts):
    k8s = _k8s()
    timeout = parse_duration(str(opts.get("--timeout", "0")))
    deadline = time.time() + timeout if timeout else None
    st = k8s.state_or_die(server)
    pods = [p for p in place(st, k8s.pods_of_raw(st)) if p[3] == node]
    infos = [pod_info(st, p[0], p[1]) for p in pods]
    ds = ["%s/%s" % (i["ns"], i["name"]) for i in infos if i["owner"] == "DaemonSet"]
    problems = []
    if ds and not opts.get("--ignore-daemonsets"):
        problems.append("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): %s" % ", ".join(ds))
    local = ["%s/%s" % (i["ns"], i["name"]) for i in infos if i["emptydir"] and i["owner"] == "ReplicaSet"]
    if local and not (opts.get("--delete-emptydir-data") or opts.get("--delete-local-data")):
        problems.append("cannot delete Pods with local storage (use --delete-emptydir-data to override): %s"
                        % ", ".join(local))
    if problems:
        err('error: unable to drain node "%s" due to error: %s, continuing command...' % (node, ", ".join(problems)))
        err("There are pending nodes to be drained:\n %s" % node)
        for p in problems:
            err(p)
        return 1
    if ds:
        err("Warning: ignoring DaemonSet-managed Pods: %s" % ", ".join(ds))
    todo = [i for i in infos if i["owner"] == "ReplicaSet"]
    failed = []
    for i in todo:
        print("evicting pod %s/%s" % (i["ns"], i["name"]))
    sys.stdout.flush()
    pending = list(todo)
    while pending:
        nxt = []
        for i in pending:
            res, e = k8s.api(server, "/kwsim/upgrade/evict", {"namespace": i["ns"], "name": i["name"]})
            code = (res or {}).get("code")
            if code in (201, 404):
                print("pod/%s evicted" % i["name"])
            elif code == 429:
                if deadline and time.time() >= deadline:
                    failed.append('error when evicting pods/"%s" -n "%s": global timeout reached: %ds'
                                  % (i["name"], i["ns"], timeout))
                    continue
                err('error when evicting pods/"%s" -n "%s" (will retry after 5s): %s' % (i["name"], i["ns"], res["error"]))
                nxt.append(i)
            else:
                failed.append('error when evicting pods/"%s" -n "%s": %s' % (i["name"], i["ns"], e or res))
        sys.stdout.flush()
        sys.stderr.flush()
        pending = nxt
        if pending:
            wait = 5.0 if deadline is None else max(0.0, min(5.0, deadline - time.time()))
            time.sleep(wait)
            if deadline and time.time() >= deadline:
                for i in pending:
                    failed.append('error when evicting pods/"%s" -n "%s": global timeout reached: %ds'
                                  % (i["name"], i["ns"], timeout))
                pending = []
    if failed:
        err('error: unable to drain node "%s" due to error: %s, continuing command...' % (node, ", ".join(failed)))
        err("There are pending nodes to be drained:\n %s" % node)
        for f in failed:
            err(f)
        return 1
    print("node/%s drained" % node)
    return 0


def kubectl_version_json(st, client):
    sv = st.get("version", "") if st else None
    out = {"clientVersion": {"major": "1", "minor": str(common.minor_of(client)), "gitVersion": "v" + client,
                             "platform": "linux/amd64"},
           "kustomizeVersion": "v5.0.4-0.20230601165947-6ce0bf390ce3"}
    if sv:
        out["serverVersion"] = {"major": "1", "minor": str(common.minor_of(sv)), "gitVersion": sv, "platform": "linux/amd64"}
    print(json.dumps(out, indent=2))
    return 0


# ----- kwsim-ctl (for tests) -----------------------------------------------------------------------

def kwsim_ctl(argv):
    if argv[0] == "age-certs":
        return age_certs(float(argv[1]))
    if argv[0] == "upgrade-log":
        st, e = _k8s().api("127.0.0.1:6443", "/kwsim/state")
        if e:
            die(e, 1)
        print(json.dumps(up(st), indent=1))
        return 0
    die("unknown command", 2)
