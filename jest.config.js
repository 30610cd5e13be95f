// Two projects: unit tests sit beside their code and need no servers; integration and end-to-end
// suites under test/ share the local servers, brought up (or reused) once by the global setup
// (TEST_SERVERS=testcontainers: PostgreSQL, MySQL and Kafka in containers, removed by the global teardown).
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};

export default {
  // Integration tests wait on real servers; jest reads this option only at the top level.
  testTimeout: 120000,
  // One test file at a time: some integration suites stop and restart the shared local servers (a Kafka
  // outage, a database restart) and would break any suite running beside them.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: [
        '<rootDir>/relay',
        '<rootDir>/operator',
        '<rootDir>/bench',
        '<rootDir>/tools/devenv',
        '<rootDir>/scripts',
      ],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/tools/devenv/'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
  ],
};
