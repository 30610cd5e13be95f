// For unit tests: a real node:http server on 127.0.0.1 (port 0) standing in for the API server, so the
// client and the watch are tested over real sockets, chunking and connection cuts included. Each request
// waits in a queue until the test takes it and answers it by hand. (fake-*.ts is left out of the build.)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialsConnection } from './connection.js';

export interface ApiRequest {
  method: string;
  url: URL;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

export interface FakeApiServer {
  connection: CredentialsConnection;
  /** The next request that arrives (or has arrived and was not taken yet). */
  nextRequest(): Promise<ApiRequest>;
  /** Requests not taken yet. */
  pending(): number;
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const arrived: ApiRequest[] = [];
  const waiting: Array<(r: ApiRequest) => void> = [];
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://api'), req, res };
    const waiter = waiting.shift();
    if (waiter) waiter(request);
    else arrived.push(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connection: new CredentialsConnection({ server: `http://127.0.0.1:${port}` }),
    nextRequest() {
      const next = arrived.shift();
      return next ? Promise.resolve(next) : new Promise((resolve) => waiting.push(resolve));
    },
    pending: () => arrived.length,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers with a JSON body. */
export function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts a watch stream: a 200 with chunked JSON lines to follow. */
export function openStream(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
}

export function eventLine(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}
