# shellcheck shell=bash
# dashboard: the Kubernetes Dashboard (manifest uploaded by the engine to
# KW_DASHBOARD_MANIFEST_PATH, its Service already patched to NodePort 30001) and an admin-user
# ServiceAccount bound to cluster-admin. No token is ever printed: the hint says how to get one.
# Inputs: KW_DASHBOARD_MANIFEST_PATH, KW_DASHBOARD_ADDRESS (a node address for the URL).

admin_user() {
  cat <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: admin-user
  namespace: kubernetes-dashboard
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admin-user
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: admin-user
    namespace: kubernetes-dashboard
YAML
}

check() {
  kw_need KW_DASHBOARD_MANIFEST_PATH
  kw_kubectl -n kubernetes-dashboard get deployment kubernetes-dashboard >/dev/null 2>&1 &&
    kw_kubectl -n kubernetes-dashboard get serviceaccount admin-user >/dev/null 2>&1 &&
    kw_kubectl get clusterrolebinding admin-user >/dev/null 2>&1 &&
    [[ $(kw_kubectl -n kubernetes-dashboard get service kubernetes-dashboard -o jsonpath='{.spec.type}' 2>/dev/null) == NodePort ]]
}

apply() {
  [[ -s $KW_DASHBOARD_MANIFEST_PATH ]] || kw_die "the dashboard manifest was not uploaded to $KW_DASHBOARD_MANIFEST_PATH"
  kw_log "kubectl apply -f $KW_DASHBOARD_MANIFEST_PATH"
  kw_kubectl apply -f "$KW_DASHBOARD_MANIFEST_PATH"
  kw_log "admin-user ServiceAccount and ClusterRoleBinding"
  admin_user | kw_kubectl apply -f -
  kw_hint "dashboard: https://${KW_DASHBOARD_ADDRESS:-<node address>}:30001 ; login token: kubectl -n kubernetes-dashboard create token admin-user"
}
