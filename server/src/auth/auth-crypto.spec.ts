import { hashPassword, verifyPassword } from './auth-crypto.js';

describe('password hashing (argon2id)', () => {
  it('writes an argon2id PHC string with the OWASP parameters and verifies it', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(h, 'correct horse batterY')).toBe(false);
  });

  it('verifies a hash written by the `argon2` package that earlier versions used (stored users keep signing in)', async () => {
    // argon2@0.45.1: hash('correct horse battery', {type: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1})
    const old = '$argon2id$v=19$m=19456,p=1,t=2$2KiPvt/3gf3B2zDPO/MnZQ$k2K3/+HqbpIRduzjH7PbrvwRmsb0hJLiLNm1s6tOh80';
    expect(await verifyPassword(old, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(old, 'wrong')).toBe(false);
  });

  it('answers false for a malformed hash instead of throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });
});
