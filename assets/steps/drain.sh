# shellcheck shell=bash
# drain: runs on the first control plane; cordons node KW_TARGET_NODE and evicts its pods, respecting
# PodDisruptionBudgets, at most KW_DRAIN_TIMEOUT seconds (kubeadm-upgrade.md "Drain the node":
# `kubectl drain <node> --ignore-daemonsets`; emptyDir data is scratch by definition: --delete-emptydir-data).
# kubectl retries an eviction a budget refuses every 5 s until its --timeout, then fails and leaves the node
# cordoned (kubectl pkg/drain/drain.go, pkg/cmd/drain/drain.go): on failure this step uncordons it again
# (KW_UNCORDON_ON_FAILURE=1) and names the pods that blocked.
# A node that already runs the hop's kubelet is not drained again.
# Inputs: KW_TARGET_NODE, KW_K8S_VERSION, KW_DRAIN_TIMEOUT, KW_UNCORDON_ON_FAILURE (0/1).

check() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_DRAIN_TIMEOUT '^[0-9]+$'
  [[ $(kw_node_kubelet "$KW_TARGET_NODE") == "v$KW_K8S_VERSION" ]]
}

apply() {
  local out rc blocked
  out=$(mktemp)
  kw_log "kubectl drain $KW_TARGET_NODE --ignore-daemonsets --delete-emptydir-data --timeout=${KW_DRAIN_TIMEOUT}s"
  set +e
  kw_kubectl drain "$KW_TARGET_NODE" --ignore-daemonsets --delete-emptydir-data --timeout="${KW_DRAIN_TIMEOUT}s" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  if ((rc == 0)); then
    rm -f "$out"
    return 0
  fi
  # The pods that blocked: PodDisruptionBudget refusals and the pods kubectl will not touch.
  blocked=$(grep -oE 'evicting pods/"[^"]+" -n "[^"]+"' "$out" | sed -E 's|evicting pods/"([^"]+)" -n "([^"]+)"|\2/\1|' | sort -u | tr '\n' ' ')
  if grep -q "disruption budget" "$out"; then
    blocked="${blocked}(PodDisruptionBudget)"
  fi
  if [[ -z $blocked ]]; then
    blocked=$(grep -E '^(error: )?cannot delete ' "$out" | head -n1)
  fi
  rm -f "$out"
  if [[ ${KW_UNCORDON_ON_FAILURE:-1} == 1 ]]; then
    kw_kubectl uncordon "$KW_TARGET_NODE" || kw_warn "could not uncordon $KW_TARGET_NODE: run kubectl uncordon $KW_TARGET_NODE"
    kw_log "uncordoned $KW_TARGET_NODE again: it takes pods as before"
  fi
  kw_fact drain_blocked "$blocked"
  kw_hint "the drain of $KW_TARGET_NODE was blocked by: $blocked. Make room for those pods (scale them, relax or delete the PodDisruptionBudget), then run the upgrade again: it resumes at this node"
  kw_die "kubectl drain $KW_TARGET_NODE did not finish in $KW_DRAIN_TIMEOUT s: blocked by $blocked"
}

verify() {
  kw_node_cordoned "$KW_TARGET_NODE"
}
