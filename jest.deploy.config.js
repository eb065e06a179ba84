/** `npm run test:deploy`: the deployment files checked with the real tools (nginx, docker-compose, systemd-analyze). */
import base, { DEPLOY_TESTS } from './jest.config.js';

export default {
  ...base,
  testMatch: DEPLOY_TESTS.map((file) => `<rootDir>/${file}`),
  testPathIgnorePatterns: ['/node_modules/'],
};
