import { constantTimeEqual, githubSignature, verifyHmacSha256 } from './signature.js';

describe('webhook signatures', () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const secret = "It's a Secret to Everybody";
  const payload = 'Hello, World!';
  const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("passes GitHub's published test vector", () => {
    expect(githubSignature(secret, payload)).toBe(expected);
    expect(verifyHmacSha256(secret, Buffer.from(payload), expected, 'sha256=')).toBe(true);
  });

  it('rejects a wrong secret, a changed byte, a missing prefix, a truncated or missing header', () => {
    expect(verifyHmacSha256('other', Buffer.from(payload), expected, 'sha256=')).toBe(false);
    expect(verifyHmacSha256(secret, Buffer.from('Hello, World?'), expected, 'sha256=')).toBe(false);
    expect(verifyHmacSha256(secret, Buffer.from(payload), expected.slice(7), 'sha256=')).toBe(false);
    expect(verifyHmacSha256(secret, Buffer.from(payload), expected.slice(0, -2), 'sha256=')).toBe(false);
    expect(verifyHmacSha256(secret, Buffer.from(payload), undefined, 'sha256=')).toBe(false);
    expect(verifyHmacSha256(secret, Buffer.from(payload), 'sha256=' + 'zz'.repeat(32), 'sha256=')).toBe(false);
  });

  it('accepts an unprefixed hex signature (Gitea) and upper-case hex', () => {
    expect(verifyHmacSha256(secret, Buffer.from(payload), expected.slice(7))).toBe(true);
    expect(verifyHmacSha256(secret, Buffer.from(payload), expected.slice(7).toUpperCase())).toBe(true);
  });

  it('compares tokens in constant time, including different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
