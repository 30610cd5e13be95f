// The independent writer: transactions of several rows across many keys, some rolled back on purpose, at
// a bounded pace, on one connection (so that, per key, transactions commit in the order their ids were
// taken, as an application serialising work on an aggregate does). It knows the fate of every row without
// asking the relay: COMMIT succeeded, ROLLBACK, failed before COMMIT (never committed), or lost during
// COMMIT, which it settles afterwards by looking for the transaction's ledger row. It survives database
// restarts: a failed statement drops the connection, and the next transaction reconnects.
import type { TestDb } from '../support/relay-harness.js';
import { ordinaryRow, poisonRow, type PoisonKind, type RowPlan, type RowShape } from './rows.js';
import type { Random } from './random.js';
import { openWriterConnection, type WriterConnection } from './writer-connection.js';

export interface WrittenRow {
  id: string;
  token: string;
  topic: string;
  orderingKey: string;
  poison?: PoisonKind;
}

export interface WriterRecord {
  /** Rows of committed transactions. */
  committed: WrittenRow[];
  /** Rows of transactions that did not commit (ids where the insert returned one). */
  notCommitted: { id?: string; token: string }[];
  transactions: {
    committed: number;
    rolledBack: number;
    failedBeforeCommit: number;
    /** Lost during COMMIT, found committed / not committed in the ledger afterwards. */
    unknownCommitted: number;
    unknownAbsent: number;
    /** Lost during COMMIT and never settled (the database did not come back in time). */
    unsettled: number;
  };
  connectionLosses: number;
}

export interface Writer {
  record: WriterRecord;
  /** Queues a poison row; the writer commits it in a transaction of its own. */
  injectPoison(kind: PoisonKind): void;
  /** Stops writing, settles transactions lost during COMMIT (within settleTimeoutMs), closes. */
  stop(settleTimeoutMs: number): Promise<void>;
}

export interface WriterDeps {
  db: TestDb;
  random: Random;
  shape: RowShape;
  runId: string;
  transactionsPerSecond: number;
  rowsPerTransaction: [number, number];
  rollbackRatio: number;
  /** Share of transactions that are a burst of 20 to 100 rows (a backlog, so that kills land mid-batch). */
  burstRatio?: number;
  log: (line: string) => void;
  /** Opens a connection (replaceable, so that a test can lose one during COMMIT on purpose). */
  connect?: (db: TestDb) => Promise<WriterConnection>;
}

interface Planned {
  name: string;
  rows: RowPlan[];
  commit: boolean;
}

type Outcome = 'committed' | 'rolled-back' | 'failed-before-commit' | 'unknown';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startWriter(deps: WriterDeps): Writer {
  const record: WriterRecord = {
    committed: [],
    notCommitted: [],
    transactions: {
      committed: 0,
      rolledBack: 0,
      failedBeforeCommit: 0,
      unknownCommitted: 0,
      unknownAbsent: 0,
      unsettled: 0,
    },
    connectionLosses: 0,
  };
  const poisonQueue: PoisonKind[] = [];
  const unknown: { planned: Planned; ids: string[] }[] = [];
  let connection: WriterConnection | undefined;
  let stopping = false;
  let seq = 0;

  const token = () => `${deps.runId}-${++seq}`;

  function plan(): Planned {
    const name = `${deps.runId}-t${++seq}`;
    const poison = poisonQueue.shift();
    if (poison) return { name, rows: [poisonRow(poison, deps.random, deps.shape, token())], commit: true };
    const burst = deps.random.chance(deps.burstRatio ?? 0);
    const count = burst ? deps.random.int(20, 100) : deps.random.int(...deps.rowsPerTransaction);
    const rows = Array.from({ length: count }, () => ordinaryRow(deps.random, deps.shape, token()));
    return { name, rows, commit: !deps.random.chance(deps.rollbackRatio) };
  }

  function settle(planned: Planned, ids: (string | undefined)[], committed: boolean): void {
    planned.rows.forEach((row, i) => {
      const id = ids[i];
      if (committed) {
        record.committed.push({
          id: id!,
          token: row.token,
          topic: row.insert.topic,
          orderingKey: row.orderingKey,
          ...(row.poison ? { poison: row.poison } : {}),
        });
      } else {
        record.notCommitted.push({ token: row.token, ...(id === undefined ? {} : { id }) });
      }
    });
  }

  async function connected(): Promise<WriterConnection> {
    if (connection) return connection;
    connection = await (deps.connect ?? openWriterConnection)(deps.db);
    return connection;
  }

  function drop(): void {
    connection?.close();
    connection = undefined;
    record.connectionLosses++;
  }

  async function execute(planned: Planned): Promise<Outcome> {
    const ids: string[] = [];
    let committing = false;
    try {
      const c = await connected();
      await c.begin();
      for (const row of planned.rows) ids.push(await c.insert(row.insert));
      await c.record(planned.name);
      committing = planned.commit;
      if (planned.commit) await c.commit();
      else await c.rollback();
    } catch (error) {
      drop();
      if (committing) {
        unknown.push({ planned, ids });
        deps.log(`writer: connection lost during COMMIT of ${planned.name} (${(error as Error).message})`);
        return 'unknown';
      }
      settle(planned, ids, false);
      if (planned.rows.some((r) => r.poison))
        poisonQueue.push(...planned.rows.flatMap((r) => r.poison ?? []));
      return 'failed-before-commit';
    }
    settle(planned, ids, planned.commit);
    return planned.commit ? 'committed' : 'rolled-back';
  }

  /** Looks up the ledger for transactions lost during COMMIT; true when none is left. */
  async function settleUnknown(): Promise<boolean> {
    while (unknown.length > 0) {
      const { planned, ids } = unknown[0]!;
      try {
        const committed = await (await connected()).committed(planned.name);
        settle(planned, ids, committed);
        if (committed) record.transactions.unknownCommitted++;
        else record.transactions.unknownAbsent++;
        unknown.shift();
      } catch {
        drop();
        return false;
      }
    }
    return true;
  }

  async function loop(): Promise<void> {
    const interval = 1000 / deps.transactionsPerSecond;
    let failures = 0;
    while (!stopping) {
      const started = Date.now();
      if (!(await settleUnknown())) {
        failures++;
        await sleep(Math.min(3000, 250 * failures));
        continue;
      }
      const outcome = await execute(plan());
      if (outcome === 'committed') record.transactions.committed++;
      else if (outcome === 'rolled-back') record.transactions.rolledBack++;
      else if (outcome === 'failed-before-commit') record.transactions.failedBeforeCommit++;
      if (outcome === 'committed' || outcome === 'rolled-back') failures = 0;
      else failures++;
      const wait = failures > 0 ? Math.min(3000, 250 * failures) : interval - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }

  const running = loop();

  return {
    record,
    injectPoison: (kind) => void poisonQueue.push(kind),
    async stop(settleTimeoutMs) {
      stopping = true;
      await running;
      const deadline = Date.now() + settleTimeoutMs;
      while (!(await settleUnknown()) && Date.now() < deadline) await sleep(1000);
      for (const { planned } of unknown.splice(0)) {
        record.transactions.unsettled++;
        deps.log(`writer: could not settle ${planned.name}`);
      }
      connection?.close();
      connection = undefined;
    },
  };
}
