"""curl/wget for known URLs only (no internet on the test network), chronyc, ipvsadm."""

import os
import re
import sys
import urllib.request

from kwsim import common, netpolicy, pkg, registry
from kwsim.common import err, die


def fetch(url, tool="curl"):
    """(status, body bytes) or (None, (curl exit code, error text)): a dropped connection (the China
    network), a name that does not resolve, or the host's answer."""
    m = re.match(r"https?://(192\.0\.2\.\d+|127\.0\.0\.1|localhost|[a-z0-9.-]+):6443(/.*)?$", url)
    if m:
        host = m.group(1)
        path = m.group(2) or "/"
        try:
            with urllib.request.urlopen("http://%s:6443%s" % (host, path), timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            return None, ("7", "Failed to connect to %s port 6443 after 0 ms: Connection refused" % host)
    ms = netpolicy.reach(tool, url)
    if ms is not None:
        return None, ("28", netpolicy.curl_timeout(url, ms))
    v2 = registry.answers_v2(url)
    if v2 is not None:
        return v2
    body = pkg.fetch_url_text(url)
    if body is not None:
        return 200, body.encode()
    if re.match(r"https://(pkgs\.k8s\.io|mirrors\.aliyun\.com|download\.docker\.com|mirrors\.ustc\.edu\.cn)/", url):
        return 404, b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"
    return None, ("6", "Could not resolve host: %s" % pkg.url_host(url))


def curl(argv):
    out = None
    remote_name = False
    fail = False
    silent = False
    show_err = False
    urls = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-o", "--output") and i + 1 < len(argv):
            out = argv[i + 1]
            i += 1
        elif a in ("-O", "--remote-name"):
            remote_name = True
        elif a in ("-H", "--header", "-d", "--data", "-X", "--request", "-m", "--max-time", "--connect-timeout",
                   "-u", "--user", "-A", "--user-agent", "--retry", "-w", "--write-out", "--cacert", "--cert", "--key"):
            i += 1
        elif a.startswith("--"):
            if a == "--fail":
                fail = True
            elif a == "--silent":
                silent = True
            elif a == "--show-error":
                show_err = True
        elif a.startswith("-") and len(a) > 1:
            for ch in a[1:]:
                if ch == "f":
                    fail = True
                elif ch == "s":
                    silent = True
                elif ch == "S":
                    show_err = True
                elif ch == "O":
                    remote_name = True
                elif ch == "o" and a.endswith("o") and i + 1 < len(argv):
                    out = argv[i + 1]
                    i += 1
        else:
            urls.append(a)
        i += 1
    if not urls:
        die("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information", 2)
    rc = 0
    for u in urls:
        status, body = fetch(u, "curl")
        if status is None:
            code, msg = body
            if not silent or show_err:
                err("curl: (%s) %s" % (code, msg))
            rc = int(code)
            continue
        if status >= 400 and fail:
            if not silent or show_err:
                err("curl: (22) The requested URL returned error: %d" % status)
            rc = 22
            continue
        dest = out or (os.path.basename(u.rstrip("/")) if remote_name else None)
        if dest == "/dev/null":
            continue
        if dest:
            common.log_call()
            with open(dest, "wb") as f:
                f.write(body)
        else:
            sys.stdout.buffer.write(body)
    return rc


def wget(argv):
    out = None
    quiet = False
    urls = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-O", "--output-document") and i + 1 < len(argv):
            out = argv[i + 1]
            i += 1
        elif a.startswith("-O") and len(a) > 2:
            out = a[2:]
        elif a.startswith("--output-document="):
            out = a.split("=", 1)[1]
        elif a in ("-q", "--quiet"):
            quiet = True
        elif a in ("-T", "-t", "--timeout", "--tries", "-U", "--user-agent", "--header"):
            i += 1
        elif a.startswith("-"):
            pass
        else:
            urls.append(a)
        i += 1
    rc = 0
    for u in urls:
        status, body = fetch(u, "wget")
        if status is None and body[0] == "28":
            err("--2026-01-01 00:00:00--  %s\nConnecting to %s (%s):443... failed: Connection timed out."
                % (u, pkg.url_host(u), pkg.url_host(u)) if not quiet else "")
            rc = 4
            continue
        if status is None:
            err("--2026-01-01 00:00:00--  %s\nResolving %s (%s)... failed: Name or service not known.\n"
                "wget: unable to resolve host address '%s'" % (u, pkg.url_host(u), pkg.url_host(u), pkg.url_host(u))
                if not quiet else "")
            rc = 4
            continue
        if status >= 400:
            if not quiet:
                err("ERROR 404: Not Found.")
            rc = 8
            continue
        dest = out or os.path.basename(u.rstrip("/")) or "index.html"
        if dest == "-":
            sys.stdout.buffer.write(body)
        else:
            common.log_call()
            with open(dest, "wb") as f:
                f.write(body)
            if not quiet:
                err("'%s' saved" % dest)
    return rc


def chronyc(argv):
    from kwsim import system

    running = any(system.active_state(s) == "active" for s in ("chronyd", "chrony"))
    if not running:
        die("506 Cannot talk to daemon", 1)
    args = [a for a in argv if not a.startswith("-")]
    cmd = args[0] if args else "tracking"
    if cmd == "sources":
        print("MS Name/IP address         Stratum Poll Reach LastRx Last sample\n"
              "===============================================================================\n"
              "^* ntp.aliyun.com                2   6   377    35   +120us[ +210us] +/-   18ms")
    elif cmd in ("makestep", "burst"):
        print("200 OK")
    else:
        print("Reference ID    : CB6B0658 (ntp.aliyun.com)\nStratum         : 3\nSystem time     : 0.000012 seconds fast of NTP time\n"
              "Leap status     : Normal")
    return 0


def ipvsadm(argv):
    if any(a in ("-C", "--clear") for a in argv):
        common.log_call()
        return 0
    print("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn")
    return 0


def present_tool(argv):
    """conntrack, socat, ebtables, ethtool, tc: present once their package is installed (kubeadm's preflight only
    looks them up in PATH); `--version` answers, anything else succeeds quietly."""
    name = os.path.basename(sys.argv[0])
    if argv[:1] in (["--version"], ["-V"], ["-v"], ["version"]):
        print("%s (kwsim) 1.0" % name)
    return 0
