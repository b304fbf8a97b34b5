import { randomBytes } from 'node:crypto';

/** Crockford's base32, as the ULID spec uses it (no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * A ULID: 48 bits of milliseconds since the epoch (10 characters), then 80 random bits (16
 * characters). Release ids sort by creation time as plain strings, which is what pruning uses.
 */
export function ulid(now: number = Date.now(), random: Buffer = randomBytes(10)): string {
  if (!Number.isInteger(now) || now < 0 || now > 2 ** 48 - 1)
    throw new RangeError(`invalid ULID time ${now}`);
  if (random.length !== 10) throw new RangeError('a ULID needs 10 random bytes');
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = ALPHABET[Number(bits & 31n)]! + rand;
    bits >>= 5n;
  }
  return time + rand;
}

/** The time a ULID was made (ms since the epoch). */
export function ulidTime(id: string): number {
  if (!ULID_PATTERN.test(id)) throw new RangeError(`not a ULID: ${id}`);
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}
