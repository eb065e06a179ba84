/** Jest for the server and libs: native ESM, TypeScript through @swc/jest (decorators + metadata). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

/** Tests that need nginx, docker-compose and systemd-analyze: run by `npm run test:deploy`, not `npm test`. */
export const DEPLOY_TESTS = ['server/test/deploy-files.test.ts', 'server/test/nginx.test.ts'];

export default {
  rootDir: '.',
  testEnvironment: 'node',
  roots: ['<rootDir>/server', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts', '**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...DEPLOY_TESTS.map((file) => `<rootDir>/${file}`)],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@api-manager/contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/server/test/global-setup.mjs',
  globalTeardown: '<rootDir>/server/test/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
