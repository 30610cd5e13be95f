// The whole loop on the local servers, as a newcomer would see it: the operator (a local process under its
// own RBAC) turns an OutboxRelay into a relay Deployment; its pod runs on the real node from the relay
// image built by BuildKit, its environment resolved by the kubelet from the Secret, reaching the local
// PostgreSQL and Kafka through the devenv bridge; rows inserted in one transaction arrive in Kafka. Every
// step is idempotent, so the demo can run again and again on the same servers.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { EachMessagePayload } from 'kafkajs';
import pg from 'pg';
import { up } from '../../tools/devenv/devenv.js';
import { run } from '../../tools/devenv/proc.js';
import { freePort, installCrd, repoRoot } from '../support/operator.js';
import { eventually, kubectl } from '../support/servers.js';
import { demoKafka, waitForGroupCoordinator } from './demo-kafka.js';
import { ensureDatabase, outboxRelay } from './demo-resources.js';
import { applyJson, OPERATOR_SA, operatorKubeconfig } from './operator-access.js';
import { httpOk, start, stop, stopRelayPod, type Started } from './processes.js';
import type { EnvVar } from './resolve-env.js';
import { loadImagesOnNode, NODE_NAME, readyPods } from '../support/real-node.js';

const RELAY_PODS = 'app.kubernetes.io/instance=orders,app.kubernetes.io/component=relay';

export interface DemoOptions {
  namespace: string;
  /** The PostgreSQL database the demo application writes its outbox rows to. */
  database: string;
  topic: string;
  rows: number;
  say: (line: string) => void;
}

export interface ReceivedMessage {
  id: string;
  key: string;
  partition: number;
  offset: string;
  value: string;
  headers: Record<string, string>;
}

export interface DemoSummary {
  inserted: string[];
  received: ReceivedMessage[];
  /** Rows of one key arrived in id order. */
  orderedPerKey: boolean;
  /** `kubectl get outboxrelays -o wide` at the end. */
  outboxRelays: string;
  ready: string;
  /** The relay logged that it stopped after SIGTERM, its batch drained. */
  relayStoppedCleanly: boolean;
  relayImage: string;
  relayNode: string;
  /** The args the relay pod ran with (from the Deployment). */
  relayArgs: string[];
  /** Names of the relay's environment variables (values are not shown: some are secrets). */
  relayEnvNames: string[];
  /** The package's bin entry points after the build, by path, with their permission bits. */
  binModes: Record<string, number>;
  seconds: number;
}

const BINS = ['dist/relay/main.js', 'dist/operator/main.js'];

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const step = (n: number, text: string) => o.say(`[${n}/9] ${text}`);
  let operator: Started | undefined;
  try {
    step(
      1,
      'local servers: PostgreSQL, MariaDB, Kafka, Kubernetes control plane and a real node, a container engine',
    );
    Object.assign(process.env, await up());

    step(
      2,
      'building the images with BuildKit, loading them onto the real node; the operator (npm run build)',
    );
    await loadImagesOnNode();
    await run(process.execPath, [path.join(repoRoot, 'scripts/build.mjs')]);
    const binModes = Object.fromEntries(
      BINS.map((bin) => [bin, statSync(path.join(repoRoot, bin)).mode & 0o777]),
    );

    step(3, 'installing the OutboxRelay CRD and the operator RBAC');
    await installCrd();
    await applyJson([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: o.namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      },
    ]);
    const kubeconfig = await operatorKubeconfig(o.namespace);

    step(4, `starting the operator (dist/operator/main.js) as ServiceAccount ${OPERATOR_SA}`);
    const healthPort = await freePort();
    const metricsPort = await freePort();
    // Run as the package's bin is (its #!/usr/bin/env node line, this node first on PATH).
    operator = start(
      path.join(repoRoot, 'dist/operator/main.js'),
      [
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        o.namespace,
        '--lease-namespace',
        o.namespace,
        '--identity',
        `demo-${randomBytes(3).toString('hex')}`,
        '--health-port',
        String(healthPort),
        '--metrics-port',
        String(metricsPort),
      ],
      { PATH: [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter) },
    );
    await eventually('the operator to serve /healthz', async () => {
      if (operator?.child.exitCode !== null)
        throw new Error(`the operator exited:\n${operator?.output().slice(-2000)}`);
      return httpOk(`http://127.0.0.1:${healthPort}/healthz`);
    });

    step(5, `applying Secret orders-db and OutboxRelay orders in namespace ${o.namespace}`);
    const dbConfig = await ensureDatabase(o.database);
    const kafka = demoKafka('outbox-demo', o.say);
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .createTopics({
        topics: [{ topic: o.topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      })
      .finally(() => admin.disconnect());
    await applyJson(outboxRelay(o));
    const ready = await eventually(
      'OutboxRelay orders to be Ready (its relay pod Ready on the real node)',
      async () => {
        const status = (
          await kubectl([
            'get',
            'outboxrelay',
            'orders',
            '-n',
            o.namespace,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])
        ).trim();
        return status === 'True' ? status : undefined;
      },
      120_000,
    );

    step(6, `the relay pod, from the relay image, on the real node ${NODE_NAME}`);
    const [pod] = await readyPods(o.namespace, RELAY_PODS);
    const spec = JSON.parse(await kubectl(['get', 'pod', pod!, '-n', o.namespace, '-o', 'json'])) as {
      spec: { nodeName: string; containers: Array<{ image: string; args?: string[]; env?: EnvVar[] }> };
    };
    const container = spec.spec.containers[0]!;
    const relayArgs = container.args ?? [];
    const relayEnvNames = (container.env ?? []).map((e) => e.name).sort();
    for (const line of (await kubectl(['get', 'pods', '-n', o.namespace, '-o', 'wide']))
      .trimEnd()
      .split('\n')) {
      o.say(`      ${line}`);
    }
    o.say(
      `      ${container.image} ${relayArgs.join(' ')}   with ${relayEnvNames.join(' ')} (secretKeyRefs and Secret files resolved by the kubelet)`,
    );

    step(7, `inserting ${o.rows} outbox rows in one transaction, and consuming ${o.topic}`);
    const received = new Map<string, ReceivedMessage>();
    const groupId = `outbox-demo-${randomBytes(4).toString('hex')}`;
    await waitForGroupCoordinator(groupId);
    const consumer = kafka.consumer({ groupId });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    const inserted: string[] = [];
    await consumer.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const id = message.headers?.['outbox-id']?.toString();
        if (!id || !inserted.includes(id) || received.has(id)) return;
        received.set(id, {
          id,
          key: message.key?.toString() ?? '',
          partition,
          offset: message.offset,
          value: message.value?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? '']),
          ),
        });
      },
    });
    await joined;
    const db = new pg.Client(dbConfig);
    await db.connect();
    try {
      await db.query('begin');
      for (let n = 1; n <= o.rows; n++) {
        const key = `customer-${(n % 3) + 1}`;
        const payload = { event: 'OrderPlaced', order: `order-${randomBytes(3).toString('hex')}`, line: n };
        const res = await db.query<{ id: string }>(
          'insert into kafka_outbox (topic, payload_json, payload_headers, key) values ($1, $2, $3, $4) returning id',
          [
            o.topic,
            JSON.stringify(payload),
            JSON.stringify({ source: 'outbox-demo', 'content-type': 'application/json' }),
            key,
          ],
        );
        inserted.push(String(res.rows[0]!.id));
      }
      await db.query('commit');
    } finally {
      await db.end();
    }
    const committedAt = Date.now();
    await eventually(
      `all ${o.rows} rows to arrive in Kafka`,
      async () => (received.size >= inserted.length ? true : undefined),
      60_000,
    );
    const arrivalMs = Date.now() - committedAt;
    await consumer.disconnect();
    const messages = [...received.values()];
    for (const m of messages.sort((a, b) => Number(a.id) - Number(b.id))) {
      o.say(`      outbox-id ${m.id}  key ${m.key}  partition ${m.partition} offset ${m.offset}  ${m.value}`);
    }
    o.say(`      all ${o.rows} rows arrived within ${arrivalMs} ms of the commit`);

    step(8, 'kubectl get outboxrelays');
    const outboxRelays = await kubectl(['get', 'outboxrelays', '-n', o.namespace, '-o', 'wide']);
    for (const line of outboxRelays.trimEnd().split('\n')) o.say(`      ${line}`);

    step(9, 'stopping the operator, then the relay pod (SIGTERM, scaled to 0); the local servers stay up');
    await stop(operator);
    operator = undefined;
    const relayStoppedCleanly = await stopRelayPod(o.namespace, pod!);

    const byKey = new Map<string, string[]>();
    for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.id]);
    const orderedPerKey = [...byKey.values()].every((ids) => {
      const offsets = ids.map((id) => BigInt(received.get(id)!.offset));
      const sortedById = [...ids].sort((a, b) => Number(BigInt(a) - BigInt(b)));
      const byOffset = [...ids].sort((a, b) => {
        const d = BigInt(received.get(a)!.offset) - BigInt(received.get(b)!.offset);
        return d < 0n ? -1 : d > 0n ? 1 : 0;
      });
      return offsets.length === ids.length && sortedById.join() === byOffset.join();
    });
    return {
      inserted,
      received: messages,
      orderedPerKey,
      outboxRelays,
      ready,
      relayStoppedCleanly,
      relayImage: container.image,
      relayNode: spec.spec.nodeName,
      relayArgs,
      relayEnvNames,
      binModes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stop(operator);
  }
}
