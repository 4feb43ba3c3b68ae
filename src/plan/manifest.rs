//! Patching upstream manifests on the workstation before they are uploaded (pure text edits,
//! line based so that the rest of the file stays byte for byte as upstream wrote it).
//!
//! - Calico: `CALICO_IPV4POOL_CIDR` (commented out upstream) is uncommented and set to the
//!   pod CIDR, so the pool agrees with kubeadm's podSubnet (the seed's 10.224 vs 10.244 bug).
//! - Flannel: `net-conf.json` `"Network"` is set to the pod CIDR.
//! - Dashboard: Service `kubernetes-dashboard` becomes `type: NodePort`, `nodePort: 30001`.
//!
//! Every function fails (with what was looked for) when its patch point is missing: a silent
//! no-op edit is exactly the seed's mistake.

use crate::config::Cni;

/// The node port the dashboard is exposed on.
pub const DASHBOARD_NODE_PORT: u16 = 30001;

/// Patches a CNI manifest so that its pod network is `pod_cidr`.
pub fn patch_cni(cni: Cni, text: &str, pod_cidr: &str) -> Result<String, String> {
    check_cidr(pod_cidr)?;
    match cni {
        Cni::Calico => patch_calico(text, pod_cidr),
        Cni::Flannel => patch_flannel(text, pod_cidr),
    }
}

fn check_cidr(cidr: &str) -> Result<(), String> {
    if cidr.parse::<ipnet::IpNet>().is_err() {
        return Err(format!("\"{cidr}\" is not a CIDR (e.g. 10.244.0.0/16)"));
    }
    Ok(())
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Splits keeping line ends, so that joining gives the text back exactly.
fn lines_keep(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn line_end(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// Calico: sets (uncommenting if needed) the `CALICO_IPV4POOL_CIDR` env entry.
pub fn patch_calico(text: &str, pod_cidr: &str) -> Result<String, String> {
    check_cidr(pod_cidr)?;
    let lines = lines_keep(text);
    let mut out = String::with_capacity(text.len() + 64);
    let mut found = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        // "- name: CALICO_IPV4POOL_CIDR" or "# - name: CALICO_IPV4POOL_CIDR"
        let uncommented = t.trim_start_matches('#').trim_start();
        let is_name = uncommented
            .strip_prefix("- name:")
            .is_some_and(|r| r.trim().trim_matches('"') == "CALICO_IPV4POOL_CIDR");
        if is_name && i + 1 < lines.len() {
            let next = lines[i + 1].trim();
            let next_unc = next.trim_start_matches('#').trim_start();
            if next_unc.starts_with("value:") {
                let ind = indent_of(line);
                let pad = " ".repeat(ind);
                out.push_str(&format!(
                    "{pad}- name: CALICO_IPV4POOL_CIDR{}",
                    line_end(line)
                ));
                out.push_str(&format!(
                    "{pad}  value: \"{pod_cidr}\"{}",
                    line_end(lines[i + 1])
                ));
                found += 1;
                i += 2;
                continue;
            }
        }
        out.push_str(line);
        i += 1;
    }
    if found == 0 {
        return Err(
            "the Calico manifest has no CALICO_IPV4POOL_CIDR entry (\"- name: CALICO_IPV4POOL_CIDR\" \
             followed by \"value: ...\"): is this the calico.yaml manifest?"
                .into(),
        );
    }
    Ok(out)
}

/// Flannel: sets `"Network": "<pod_cidr>"` in `net-conf.json`.
pub fn patch_flannel(text: &str, pod_cidr: &str) -> Result<String, String> {
    check_cidr(pod_cidr)?;
    let lines = lines_keep(text);
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_net_conf = false;
    let mut net_conf_indent = 0;
    let mut found = 0;
    for line in lines {
        let t = line.trim();
        if !in_net_conf {
            if t.starts_with("net-conf.json:") {
                in_net_conf = true;
                net_conf_indent = indent_of(line);
            }
            out.push_str(line);
            continue;
        }
        // The block scalar ends at the first non-empty line indented no deeper than its key.
        if !t.is_empty() && indent_of(line) <= net_conf_indent {
            in_net_conf = false;
            out.push_str(line);
            continue;
        }
        if let Some(rest) = t.strip_prefix("\"Network\"") {
            let rest = rest.trim_start();
            if let Some(after_colon) = rest.strip_prefix(':') {
                let value = after_colon.trim_start();
                if let Some(v) = value.strip_prefix('"')
                    && let Some(close) = v.find('"')
                {
                    let tail = &v[close + 1..];
                    let pad = " ".repeat(indent_of(line));
                    out.push_str(&format!(
                        "{pad}\"Network\": \"{pod_cidr}\"{}{}",
                        tail.trim_end_matches(['\n', '\r']),
                        line_end(line)
                    ));
                    found += 1;
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    if found == 0 {
        return Err(
            "the Flannel manifest has no \"Network\" in net-conf.json: is this kube-flannel.yml?"
                .into(),
        );
    }
    Ok(out)
}

/// Dashboard: Service `kubernetes-dashboard` → `type: NodePort` with `nodePort: 30001` on its
/// first port.
pub fn patch_dashboard(text: &str) -> Result<String, String> {
    patch_dashboard_port(text, DASHBOARD_NODE_PORT)
}

/// [`patch_dashboard`] with another node port.
pub fn patch_dashboard_port(text: &str, node_port: u16) -> Result<String, String> {
    let lines = lines_keep(text);
    // YAML documents: ranges of line indexes separated by "---" lines.
    let mut docs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_end() == "---" {
            docs.push((start, i));
            start = i + 1;
        }
    }
    docs.push((start, lines.len()));

    let is_target = |(a, b): (usize, usize)| {
        let doc = &lines[a..b];
        let kind = doc.iter().any(|l| l.trim_end() == "kind: Service");
        let mut in_meta = false;
        let mut name = false;
        for l in doc {
            if indent_of(l) == 0 && !l.trim().is_empty() {
                in_meta = l.trim_end() == "metadata:";
                continue;
            }
            if in_meta && l.trim() == "name: kubernetes-dashboard" {
                name = true;
            }
        }
        kind && name
    };
    let Some(&(a, b)) = docs.iter().find(|d| is_target(**d)) else {
        return Err(
            "the dashboard manifest has no Service named kubernetes-dashboard: is this the \
             dashboard's recommended.yaml?"
                .into(),
        );
    };

    let doc = &lines[a..b];
    let Some(spec) = doc.iter().position(|l| l.trim_end() == "spec:") else {
        return Err("the kubernetes-dashboard Service has no spec".into());
    };
    // Lines of the spec block: until the next top-level key.
    let spec_end = doc[spec + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && indent_of(l) == 0)
        .map_or(doc.len(), |p| spec + 1 + p);
    let body = &doc[spec + 1..spec_end];
    let child = body
        .iter()
        .find(|l| !l.trim().is_empty())
        .map(|l| indent_of(l))
        .ok_or("the kubernetes-dashboard Service has an empty spec")?;
    let ports = body
        .iter()
        .position(|l| indent_of(l) == child && l.trim_end().trim_start() == "ports:")
        .ok_or("the kubernetes-dashboard Service spec has no ports")?;
    let first_item = body[ports + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with("- "))
        .map(|p| ports + 1 + p)
        .ok_or("the kubernetes-dashboard Service has an empty port list")?;
    let item_line = body[first_item];
    let key_indent = indent_of(item_line) + 2;
    // The first item's lines: until a line indented less than its keys (or the next item).
    let item_end = body[first_item + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && indent_of(l) < key_indent)
        .map_or(body.len(), |p| first_item + 1 + p);

    let nl = line_end(item_line);
    let nl = if nl.is_empty() { "\n" } else { nl };
    let mut new_body: Vec<String> = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let t = l.trim();
        if indent_of(l) == child && t.starts_with("type:") {
            continue; // replaced below
        }
        if i > first_item
            && i < item_end
            && indent_of(l) == key_indent
            && t.starts_with("nodePort:")
        {
            continue; // replaced below
        }
        new_body.push((*l).to_string());
        if i == first_item {
            new_body.push(format!(
                "{}nodePort: {node_port}{nl}",
                " ".repeat(key_indent)
            ));
        }
    }
    new_body.insert(0, format!("{}type: NodePort{nl}", " ".repeat(child)));

    let mut out = String::with_capacity(text.len() + 64);
    for l in &lines[..a + spec + 1] {
        out.push_str(l);
    }
    for l in &new_body {
        out.push_str(l);
    }
    for l in &lines[a + spec_end..] {
        out.push_str(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_commented_and_uncommented() {
        let t = "          env:\n            # - name: CALICO_IPV4POOL_CIDR\n            #   value: \"192.168.0.0/16\"\n            - name: X\n";
        let p = patch_calico(t, "10.244.0.0/16").unwrap();
        assert_eq!(
            p,
            "          env:\n            - name: CALICO_IPV4POOL_CIDR\n              value: \"10.244.0.0/16\"\n            - name: X\n"
        );
        // Idempotent on an already patched file, and it changes an old value.
        assert_eq!(patch_calico(&p, "10.244.0.0/16").unwrap(), p);
        assert!(
            patch_calico(&p, "10.10.0.0/16")
                .unwrap()
                .contains("value: \"10.10.0.0/16\"")
        );
        assert!(patch_calico("kind: Foo\n", "10.244.0.0/16").is_err());
        assert!(patch_calico(t, "10.244.0.0").is_err());
    }

    #[test]
    fn flannel_network() {
        let t = "data:\n  net-conf.json: |\n    {\n      \"Network\": \"10.244.0.0/16\",\n      \"Backend\": {}\n    }\n---\nx: \"Network\": \"1\"\n";
        let p = patch_flannel(t, "10.50.0.0/16").unwrap();
        assert!(p.contains("      \"Network\": \"10.50.0.0/16\",\n"));
        assert!(
            p.ends_with("x: \"Network\": \"1\"\n"),
            "outside net-conf.json untouched"
        );
        assert!(patch_flannel("data: {}\n", "10.50.0.0/16").is_err());
    }

    #[test]
    fn dashboard_service() {
        let t = "kind: Service\napiVersion: v1\nmetadata:\n  name: kubernetes-dashboard\nspec:\n  ports:\n    - port: 443\n      targetPort: 8443\n  selector:\n    k8s-app: kubernetes-dashboard\n---\nkind: Service\nmetadata:\n  name: other\nspec:\n  ports:\n    - port: 1\n";
        let p = patch_dashboard(t).unwrap();
        assert_eq!(
            p,
            "kind: Service\napiVersion: v1\nmetadata:\n  name: kubernetes-dashboard\nspec:\n  type: NodePort\n  ports:\n    - port: 443\n      nodePort: 30001\n      targetPort: 8443\n  selector:\n    k8s-app: kubernetes-dashboard\n---\nkind: Service\nmetadata:\n  name: other\nspec:\n  ports:\n    - port: 1\n"
        );
        assert_eq!(patch_dashboard(&p).unwrap(), p, "idempotent");
        assert!(patch_dashboard("kind: Deployment\n").is_err());
    }
}
