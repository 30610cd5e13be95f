#!/usr/bin/env node
// outbox-relay-operator: reconciles OutboxRelay resources. Filled in by the operator implementation.
process.stdout.write('usage: outbox-relay-operator [--kubeconfig FILE]\n');
