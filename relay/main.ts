#!/usr/bin/env node
// outbox-relay: the relay process. The commands are filled in by the relay implementation.
const USAGE = `usage: outbox-relay <command>

  run        publish outbox rows to Kafka (default)
  cleanup    delete published rows older than the retention
  optimize   reclaim disk (VACUUM / OPTIMIZE TABLE)
  migrate    create or upgrade the outbox table
  status     pending, errored and oldest pending age per database
  requeue    return errored rows to the queue`;

process.stdout.write(`${USAGE}\n`);
