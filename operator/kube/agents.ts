// One keep-alive HTTPS agent per set of TLS credentials, shared by every request. KubeConfig's
// applyToHTTPSOptions builds a new https.Agent on each call, so a client that calls it per request opens a
// new TCP and TLS connection for every API request. Measured with bench/operator/scale.ts (200
// OutboxRelays): creating TLS contexts and handshaking were the largest part of the operator's busy time in
// its CPU profile, and sharing one agent cut its CPU while reconciling from 6.5 and 5.6 s to 2.4 and 2.2 s
// (two runs each); the API server is spared the handshakes too.
import { createHash } from 'node:crypto';
import https from 'node:https';

const MAX_AGENTS = 8;
const agents = new Map<string, https.Agent>();

function fingerprint(opts: https.RequestOptions): string {
  const hash = createHash('sha256');
  for (const part of [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase]) {
    for (const item of Array.isArray(part) ? part : [part])
      hash.update(`${item === undefined ? '-' : String(item)}\0`);
  }
  hash.update(`${String(opts.rejectUnauthorized)}\0${opts.servername ?? ''}`);
  return hash.digest('hex');
}

/**
 * The pooled agent for the request's TLS material. Proxy agents (a kubeconfig's proxy-url) are subclasses
 * and are kept as they are.
 */
export function sharedAgent(opts: https.RequestOptions): https.Agent | undefined {
  if (opts.agent instanceof https.Agent && opts.agent.constructor !== https.Agent) return opts.agent;
  const key = fingerprint(opts);
  let agent = agents.get(key);
  if (!agent) {
    if (agents.size >= MAX_AGENTS) {
      for (const old of agents.values()) old.destroy();
      agents.clear();
    }
    agent = new https.Agent({
      keepAlive: true,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...(opts.servername ? { servername: opts.servername } : {}),
    });
    agents.set(key, agent);
  }
  return agent;
}
