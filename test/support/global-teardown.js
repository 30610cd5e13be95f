// With TEST_SERVERS=testcontainers, removes the containers the global setup started (Ryuk, where it runs,
// would also reap them when this process ends). The devenv's servers stay up, as the setup says.
import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { testServers } = await tsImport('../../tools/devenv/testcontainers/mode.ts', import.meta.url);
  if (testServers() !== 'testcontainers') return;
  const { stopTestServers } = await tsImport(
    '../../tools/devenv/testcontainers/teardown.ts',
    import.meta.url,
  );
  await stopTestServers();
}
