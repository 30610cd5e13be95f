import net from 'node:net';
import { loadConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createFakeStore } from '../testing/fake-store.js';
import { startRelay } from './run.js';

const logger = createLogger({ level: 'silent' });

describe('a run that cannot listen on HTTP_PORT', () => {
  it('fails naming HTTP_PORT and closes the stores it opened', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '0.0.0.0', resolve));
    const port = (other.address() as net.AddressInfo).port;
    const closed: string[] = [];
    try {
      const config = loadConfig({
        DB_HOST: 'h',
        DB_USER: 'u',
        DB_NAME: 'a,b',
        DB_DRIVER: 'postgres',
        KAFKA_HOST: 'k:9092',
        HTTP_PORT: String(port),
      });
      const storeFactory = (storeConfig: { database: string }) => {
        const store = createFakeStore({ database: storeConfig.database });
        store.close = async () => void closed.push(store.database);
        return store;
      };
      const starting = startRelay({ config, logger, storeFactory });
      await expect(starting).rejects.toBeInstanceOf(ConfigError);
      await expect(starting).rejects.toThrow('HTTP_PORT');
      expect(closed.sort()).toEqual(['a', 'b']);
    } finally {
      other.close();
    }
  });
});
