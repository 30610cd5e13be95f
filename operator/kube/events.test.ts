// The recorder against a local server: it takes any object by reference and knows nothing of our kinds.
import pino from 'pino';
import { FakeClock } from '../runtime/fake-clock.js';
import { KubeClient } from './client.js';
import { createEventRecorder, type ObjectReference } from './events.js';
import { answer, startFakeApiServer, type FakeApiServer } from './fake-api-server.js';

const cm: ObjectReference = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'settings',
  namespace: 'ns',
  uid: 'u1',
};

describe('createEventRecorder', () => {
  let api: FakeApiServer;
  beforeEach(async () => (api = await startFakeApiServer()));
  afterEach(() => api.close());

  function recorder(clock: FakeClock) {
    return createEventRecorder({
      client: new KubeClient(api.connection, 2000),
      clock,
      log: pino({ level: 'silent' }),
      reportingController: 'example.com/test-controller',
      identity: 'pod-1',
      fieldManager: 'test',
    });
  }

  async function nextEvent(): Promise<{ path: string; body: Record<string, unknown> }> {
    const { url, req, res } = await api.nextRequest();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    answer(res, 201, {});
    return { path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  }

  it('creates an events.k8s.io Event regarding the object it is given', async () => {
    recorder(new FakeClock(1_700_000_000_000)).record(cm, 'Warning', 'Broken', 'Check', 'it broke');
    const { path, body } = await nextEvent();
    expect(path).toBe('/apis/events.k8s.io/v1/namespaces/ns/events');
    expect(body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'ns' },
      eventTime: '2023-11-14T22:13:20.000000Z',
      reportingController: 'example.com/test-controller',
      reportingInstance: 'pod-1',
      type: 'Warning',
      reason: 'Broken',
      action: 'Check',
      note: 'it broke',
      regarding: cm,
    });
    expect((body.metadata as { name: string }).name).toMatch(/^settings\.[0-9a-f]+$/);
  });

  it('does not repeat the same event within five minutes, and does after', async () => {
    const clock = new FakeClock();
    const events = recorder(clock);
    events.record(cm, 'Normal', 'Changed', 'Apply', 'changed');
    await nextEvent();
    events.record(cm, 'Normal', 'Changed', 'Apply', 'changed');
    events.record({ ...cm, kind: 'Secret' }, 'Normal', 'Changed', 'Apply', 'changed');
    expect((await nextEvent()).body.regarding).toMatchObject({ kind: 'Secret' });
    await clock.advance(5 * 60_000);
    events.record(cm, 'Normal', 'Changed', 'Apply', 'changed');
    expect((await nextEvent()).body.regarding).toMatchObject({ kind: 'ConfigMap' });
    expect(api.pending()).toBe(0);
  });
});
