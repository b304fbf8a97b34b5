// Two projects: fast unit tests, and end-to-end tests that run workflows against the sample stack.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '\\.ts$': '<rootDir>/jest.strip-types.cjs' },
  // Job workspaces (copies of the repository) live under action-tests/.logs: never collect tests there.
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/action-tests/.logs/',
    '<rootDir>/action-tests/.stack/',
  ],
  // Project options are not inherited from the top level: the copies' package.json files would
  // collide with ours in jest's module map.
  modulePathIgnorePatterns: ['<rootDir>/action-tests/.logs/', '<rootDir>/action-tests/.stack/'],
};

export default {
  // End-to-end tests run whole workflows; unit tests finish far below this.
  testTimeout: 180000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/src/**/*.test.ts',
        '<rootDir>/action-tests/**/unit/**/*.test.ts',
        '<rootDir>/action-tests/**/*.unit.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/action-tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/action-tests/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/action-tests/e2e/global-teardown.ts',
    },
  ],
};
