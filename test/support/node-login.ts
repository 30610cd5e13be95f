// A database login of a suite's own for relays on the real node, and the Secret that gives it to them: its
// password can change, or its connection be cut, without touching anyone else's. Pods reach the local
// servers through the bridge's gateway (podAddresses), or through a proxy the suite listens there.
import { randomBytes } from 'node:crypto';
import { pgQuery, type TestDb } from './relay-harness.js';
import { podAddresses } from './real-node.js';

export interface Login {
  user: string;
  password: string;
}

export async function createLogin(db: TestDb): Promise<Login> {
  const login = {
    user: `relay_${randomBytes(4).toString('hex')}`,
    password: `pw-${randomBytes(8).toString('hex')}`,
  };
  await pgQuery(db, `create role ${login.user} login password '${login.password}'`);
  await pgQuery(db, `grant all on schema public to ${login.user}`);
  await pgQuery(db, `grant all on all tables in schema public to ${login.user}`);
  await pgQuery(db, `grant all on all sequences in schema public to ${login.user}`);
  return login;
}

/** The database Secret as kubectl input; `port` overrides the server's (a proxy on the gateway). */
export function dbSecret(name: string, db: TestDb, login: Login, port = db.port): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    stringData: {
      host: podAddresses().host,
      port: String(port),
      username: login.user,
      password: login.password,
      database: db.name,
    },
  });
}
