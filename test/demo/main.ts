// npm run demo: the whole loop on the local servers (see run-demo.ts), with a short summary at the end.
import { runDemo } from './run-demo.js';

const say = (line: string) => console.log(line);

runDemo({ namespace: 'outbox-demo', database: 'outbox_demo', topic: 'demo.orders', rows: 6, say }).then(
  (s) => {
    const keys = new Set(s.received.map((m) => m.key)).size;
    console.log('');
    console.log('summary');
    console.log(`  rows inserted in one transaction   ${s.inserted.length}`);
    console.log(
      `  messages received from Kafka       ${s.received.length} (${keys} keys, per-key order ${s.orderedPerKey ? 'kept' : 'BROKEN'})`,
    );
    console.log(`  OutboxRelay orders Ready           ${s.ready}`);
    console.log(`  relay pod                          ${s.relayImage} on ${s.relayNode}`);
    console.log(`  relay pod stopped on SIGTERM       ${s.relayStoppedCleanly ? 'cleanly' : 'NOT cleanly'}`);
    console.log(`  took                               ${s.seconds.toFixed(1)} s`);
    console.log('  the local servers are still up: `npm run devenv -- down` stops them');
    const ok = s.received.length === s.inserted.length && s.orderedPerKey && s.relayStoppedCleanly;
    process.exit(ok ? 0 : 1);
  },
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
