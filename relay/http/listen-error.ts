// Why the HTTP server could not listen, as a setting to change: a port below 1024 needs privileges the
// relay's user may not have (the default HTTP_PORT=80 is the Go relay's; the image sets 8080), and a port
// in use is another process's. Both are configuration errors naming HTTP_PORT (the relay exits 2 with one
// line); anything else is returned as it is.
import { ConfigError } from '../errors.js';

export function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES')
    return new ConfigError(
      'HTTP_PORT',
      `cannot listen on port ${port}: permission denied; a non-root user needs HTTP_PORT above 1023`,
      { cause: error },
    );
  if (code === 'EADDRINUSE')
    return new ConfigError(
      'HTTP_PORT',
      `cannot listen on port ${port}: another process listens on it; choose another HTTP_PORT`,
      { cause: error },
    );
  return error;
}
