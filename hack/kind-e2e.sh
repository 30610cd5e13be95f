#!/usr/bin/env bash
# End-to-end on kind, for machines with Docker (not part of `npm test`, which runs the same images and
# manifests on the local servers' real node: test/e2e/real-node.test.ts): create a kind cluster, build
# both images with BuildKit and load them into it, deploy the operator (config/default), a PostgreSQL and
# a Kafka, then an OutboxRelay; wait until it is Ready, insert rows in a transaction and consume them from
# Kafka.
#
#   hack/kind-e2e.sh                  # KIND_CLUSTER=outbox-e2e, deletes the cluster at the end
#   KEEP_CLUSTER=true hack/kind-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cluster=${KIND_CLUSTER:-outbox-e2e}
keep=${KEEP_CLUSTER:-false}
ns=outbox-e2e
rows=100
topic=orders.events
version=$(node -p "require('./package.json').version")

step() { echo "== $*"; }
fail() {
  echo "FAILED: $*" >&2
  kubectl get outboxrelays,deploy,pods -n "$ns" -o wide >&2 || true
  kubectl logs -n outbox-system deploy/outbox-relay-operator --tail=50 >&2 || true
  kubectl logs -n "$ns" deploy/orders-relay --tail=50 >&2 || true
  exit 1
}

for tool in docker kind kubectl node; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

if ! kind get clusters | grep -qx "$cluster"; then
  step "kind create cluster $cluster"
  kind create cluster --name "$cluster" --wait 120s
fi
if [ "$keep" != true ]; then
  trap 'step "kind delete cluster $cluster"; kind delete cluster --name "$cluster"' EXIT
fi
kubectl config use-context "kind-$cluster" >/dev/null

step "build and load the images ($version)"
# The Dockerfiles need BuildKit (RUN --mount); older Docker clients use it only when asked.
export DOCKER_BUILDKIT=1
docker build -f Dockerfile.relay -t "kafka-outbox-relay/relay:$version" --build-arg "VERSION=$version" .
docker build -f Dockerfile.operator -t "kafka-outbox-relay/operator:$version" --build-arg "VERSION=$version" .
kind load docker-image --name "$cluster" "kafka-outbox-relay/relay:$version" "kafka-outbox-relay/operator:$version"

step "deploy the operator (config/default)"
kubectl apply --server-side -k config/default
kubectl rollout status -n outbox-system deploy/outbox-relay-operator --timeout=180s || fail "operator not available"

step "deploy PostgreSQL and Kafka in $ns"
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$ns" pod-security.kubernetes.io/enforce=baseline --overwrite
kubectl apply -n "$ns" -f hack/kind/postgres.yaml -f hack/kind/kafka.yaml
kubectl rollout status -n "$ns" deploy/postgres --timeout=180s || fail "PostgreSQL not available"
kubectl rollout status -n "$ns" deploy/kafka --timeout=180s || fail "Kafka not available"
for _ in $(seq 1 30); do
  kubectl exec -n "$ns" deploy/kafka -- /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 \
    --create --if-not-exists --topic "$topic" --partitions 3 --replication-factor 1 && break
  sleep 2
done

step "create the OutboxRelay and wait until it is Ready"
kubectl apply -n "$ns" -f hack/kind/outboxrelay.yaml
kubectl wait -n "$ns" outboxrelay/orders --for=condition=Ready --timeout=240s || fail "OutboxRelay not Ready"
kubectl get outboxrelays -n "$ns"

step "insert $rows rows in one transaction"
kubectl exec -n "$ns" deploy/postgres -- psql -v ON_ERROR_STOP=1 -U postgres -d orders -c "
  BEGIN;
  INSERT INTO kafka_outbox (topic, payload_json, payload_headers, key)
  SELECT '$topic', json_build_object('n', n), '{\"source\":\"kind-e2e\"}', 'order-' || (n % 10)
  FROM generate_series(1, $rows) AS n;
  COMMIT;"

step "consume them"
consumed=$(kubectl exec -n "$ns" deploy/kafka -- /opt/kafka/bin/kafka-console-consumer.sh \
  --bootstrap-server localhost:9092 --topic "$topic" --from-beginning \
  --max-messages "$rows" --timeout-ms 120000 2>/dev/null | grep -c '"n"' || true)
[ "$consumed" -eq "$rows" ] || fail "consumed $consumed of $rows messages"

published=$(kubectl exec -n "$ns" deploy/postgres -- psql -At -U postgres -d orders -c \
  "SELECT count(*) FROM kafka_outbox WHERE push_completed_at IS NOT NULL")
[ "$published" -eq "$rows" ] || fail "$published of $rows rows marked published"

step "passed: $rows rows published, consumed and marked published"
