import net from 'node:net';
import { ConfigError } from '../errors.js';
import { listenError } from './listen-error.js';

const failure = (code: string) => Object.assign(new Error(`listen ${code}: 0.0.0.0:80`), { code });

describe('listenError', () => {
  it('names HTTP_PORT when the port needs privileges', () => {
    const error = listenError(failure('EACCES'), 80);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'HTTP_PORT: cannot listen on port 80: permission denied; a non-root user needs HTTP_PORT above 1023',
    );
  });

  it('names HTTP_PORT when another process listens on the port', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const second = net.createServer();
      const error = await new Promise<unknown>((resolve) => second.once('error', resolve).listen(port));
      expect((listenError(error, port) as Error).message).toBe(
        `HTTP_PORT: cannot listen on port ${port}: another process listens on it; choose another HTTP_PORT`,
      );
    } finally {
      other.close();
    }
  });

  it('returns any other error as it is', () => {
    const error = failure('EMFILE');
    expect(listenError(error, 80)).toBe(error);
  });
});
