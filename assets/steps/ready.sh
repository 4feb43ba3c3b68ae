# shellcheck shell=bash
# ready: runs on the first control plane and waits until node KW_TARGET_NODE is Ready, printing
# progress. Inputs: KW_TARGET_NODE, KW_READY_DEADLINE (seconds, below the step's timeout), KW_READY_PODS
# (1: also until every kube-system pod on the node runs again: after an upgrade hop's kubelet restart,
# and kube-proxy's new image, before the node is uncordoned and the next one drained).

# Waits only: no trace on the node (see kw_main).
# shellcheck disable=SC2034 # read by kw_main (lib.sh)
KW_READ_ONLY=1

node_ready_status() {
  # A bounded request: an unreachable API server must not stall the loop past its deadline.
  kw_kubectl --request-timeout=10s get node "$KW_TARGET_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}

# pods_not_running: "name STATUS" of each kube-system pod on the node that is not Running with all its
# containers ready (Completed counts as done); nothing when all are. Fails when the API does not answer.
pods_not_running() {
  local out
  out=$(kw_kubectl --request-timeout=10s -n kube-system get pods --field-selector "spec.nodeName=$KW_TARGET_NODE" \
    --no-headers 2>/dev/null) || return 1
  awk '{ split($2, r, "/"); if (!(($3 == "Running" && r[1] == r[2]) || $3 == "Completed")) print $1 " " $3 }' <<<"$out"
}

pods_wanted() {
  [[ ${KW_READY_PODS:-0} == 1 ]]
}

check() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  [[ $(node_ready_status) == True ]] || return 1
  if pods_wanted; then
    local left
    left=$(pods_not_running) && [[ -z $left ]]
  fi
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
    if [[ $state == Ready ]]; then
      kw_log "$KW_TARGET_NODE is Ready after $((now - start)) s"
      pods_wanted || return 0
      wait_for_pods "$start" "$deadline"
      return 0
    fi
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

# wait_for_pods START DEADLINE: until every kube-system pod on the node runs (progress on every change
# and every 10 s), or dies at the deadline naming the pods that did not come back.
wait_for_pods() {
  local start=$1 deadline=$2 left last="" logged=0 now
  while :; do
    now=$(date +%s)
    if left=$(pods_not_running); then
      if [[ -z $left ]]; then
        kw_log "$KW_TARGET_NODE: every kube-system pod on it runs ($((now - start)) s)"
        return 0
      fi
    else
      left="(the API server did not answer)"
    fi
    if [[ $left != "$last" ]] || ((now - logged >= 10)); then
      kw_log "$KW_TARGET_NODE: waiting for kube-system pods: $(tr '\n' ',' <<<"$left" | sed 's/,$//; s/,/, /g')"
      last=$left logged=$now
    fi
    if ((now - start >= deadline)); then
      kw_hint "look at the pods: kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=$KW_TARGET_NODE; kubectl -n kube-system describe pod <name> (image pulls, CNI)"
      kw_die "$KW_TARGET_NODE is Ready but its kube-system pods are not all running after $deadline s: $(tr '\n' ' ' <<<"$left")"
    fi
    sleep 1
  done
}
