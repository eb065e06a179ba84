/**
 * The size caps (LIMITS, defined once in libs/contracts and shown in README "Limits"), for server code.
 * Imported by relative path because `@api-manager/contracts` is a compile-time alias only: the built
 * server has no package of that name at run time, but the build does emit dist/libs/contracts.
 */
export { LIMITS } from '../../../libs/contracts/src/limits.js';
