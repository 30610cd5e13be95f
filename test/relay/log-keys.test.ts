// The relay's JSON log lines name each key once. A pino child's bindings are written again when a call or
// a nested child repeats them, and JSON.parse keeps the last, so a repeat does not show when the lines are
// read as objects: the keys are read from the raw text (test/support/json-keys.ts). Real relays, at debug,
// through migrations, publishing, a poison row, the one-shot commands and shutdown, on both databases.
import { repeatedKeys, topLevelKeys } from '../support/json-keys.js';
import {
  createTestDb,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  spawnRelay,
  type Driver,
} from '../support/relay-harness.js';
import { createTopic, eventually } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

describe("the relay's log lines", () => {
  it('are read key by key as written, so a repeated key shows', () => {
    const line = '{"a":1,"database":"x","nested":{"database":"y"},"s":"\\"database\\":","database":"x"}';
    expect(topLevelKeys(line)).toEqual(['a', 'database', 'nested', 's', 'database']);
    expect(repeatedKeys(`${line}\nnot json\n{"database":"x"}`)).toEqual([{ line, repeated: ['database'] }]);
  });

  it.each<Driver>(['postgres', 'mysql'])(
    'on %s, name each key once: migrations, publishing, a poison row, status, requeue, cleanup, shutdown',
    async (driver) => {
      const { database, db } = await createTestDb(driver, 'log_keys');
      try {
        const topic = await createTopic('log-keys');
        const env = relayEnv(db, { LOG_LEVEL: 'debug' });
        const relay = spawnRelay(['run'], env);
        await eventually('the relay to take its shares', async () =>
          relay.output().includes('"msg":"shares taken"') ? true : undefined,
        );
        const [good, poison] = await insertRows(db, [
          { topic, key: 'a' },
          { topic: '', key: 'b' },
        ]);
        await eventually('the row published and the poison row errored', async () => {
          const state = new Map((await outboxState(db)).map((r) => [r.id, r]));
          return state.get(good!)?.published && state.get(poison!)?.errored ? true : undefined;
        });
        relay.child.kill('SIGTERM');
        expect(await relay.exited).toEqual({ code: 0, signal: null });
        const commands = [['status'], ['requeue', '--all'], ['cleanup']];
        const outputs = [relay.output()];
        for (const args of commands) {
          const { code, output } = await runCommand(args, env);
          expect({ args, code }).toEqual({ args, code: 0 });
          outputs.push(output);
        }
        const log = outputs.join('\n');
        // The store's own lines are there (they carried database and table twice).
        expect(log).toContain(`"component":"${driver}-store"`);
        expect(log).toContain('"msg":"applying migration"');
        expect(repeatedKeys(log)).toEqual([]);
      } finally {
        await database.drop();
      }
    },
  );
});
