import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

describe('createLogger', () => {
  it.each([
    ['a Secret logged by mistake', { secret: { metadata: { name: 's' }, data: { password: 'c2VjcmV0' } } }],
    ['a password field', { password: 'hunter2' }],
    ['a bearer token', { request: { token: 'eyJhbGciOi' } }],
  ])('redacts %s', (_name, fields) => {
    const out = capture();
    createLogger({ level: 'info' }, out.stream).info(fields, 'logged');
    expect(out.text()).toContain('[redacted]');
    expect(out.text()).not.toMatch(/c2VjcmV0|hunter2|eyJhbGciOi/);
  });

  it('logs errors under err with their message', () => {
    const out = capture();
    createLogger({}, out.stream)
      .child({ component: 'x' })
      .error({ err: new Error('boom') }, 'failed');
    const line = JSON.parse(out.text()) as { err: { message: string }; component: string };
    expect(line).toMatchObject({ component: 'x', err: { message: 'boom' } });
  });
});
