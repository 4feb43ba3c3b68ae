# shellcheck shell=bash
# ready: runs on the first control plane and waits until node KW_TARGET_NODE is Ready, printing
# progress. Inputs: KW_TARGET_NODE, KW_READY_DEADLINE (seconds, below the step's timeout).

# Waits only: no trace on the node (see kw_main).
# shellcheck disable=SC2034 # read by kw_main (lib.sh)
KW_READ_ONLY=1

node_ready_status() {
  # A bounded request: an unreachable API server must not stall the loop past its deadline.
  kw_kubectl --request-timeout=10s get node "$KW_TARGET_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}

check() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  [[ $(node_ready_status) == True ]]
}

apply() {
  local deadline=${KW_READY_DEADLINE:-600} start now status state last="" logged=0
  [[ $deadline =~ ^[0-9]+$ ]] || kw_die "KW_READY_DEADLINE must be seconds, got $deadline"
  start=$(date +%s)
  while :; do
    if status=$(node_ready_status); then
      case $status in
        True) state=Ready ;;
        *) state=NotReady ;;
      esac
    else
      state=not-registered
    fi
    now=$(date +%s)
    if [[ $state != "$last" ]]; then
      kw_fact node_state "$state"
    fi
    [[ $state == Ready ]] && { kw_log "$KW_TARGET_NODE is Ready after $((now - start)) s"; return 0; }
    # Progress on every change, and every 10 s while nothing changes.
    if [[ $state != "$last" ]] || ((now - logged >= 10)); then
      kw_log "$KW_TARGET_NODE: $state ($((now - start)) s)"
      last=$state logged=$now
    fi
    if ((now - start >= deadline)); then
      kw_hint "look at the node: kubectl describe node $KW_TARGET_NODE; kubectl -n kube-system get pods -o wide (CNI pods, kube-proxy); on the node: journalctl -u kubelet"
      kw_die "$KW_TARGET_NODE is not Ready after $deadline s (state: $state)"
    fi
    if [[ $state == NotReady ]]; then
      # A watch: returns the moment the node turns Ready (at most 10 s, to report progress).
      kw_kubectl wait --for=condition=Ready "node/$KW_TARGET_NODE" --timeout=10s >/dev/null 2>&1 || true
    else
      sleep 1
    fi
  done
}
