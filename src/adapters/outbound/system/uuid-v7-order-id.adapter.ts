import { randomFillSync } from 'node:crypto';
import type { OrderId } from '../../../domain/identifiers.js';
import type { OrderIdGenerator } from '../../../domain/ports/order-id-generator.port.js';

const POOL_BYTES = 16 * 1024;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids from one process strictly
 * increasing within a millisecond (method 1 of section 6.2), then 62 random bits. Ids sort by creation time and,
 * with 62 random bits per id, do not collide across replicas. Random bytes come from a pool refilled 16 KiB at
 * a time: one call into the CSPRNG per thousand ids instead of two per id.
 */
export class UuidV7OrderIds implements OrderIdGenerator {
  private lastMillis = 0;
  private counter = 0;
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private used = POOL_BYTES;

  constructor(private readonly nowMillis: () => number = Date.now) {}

  next(): OrderId {
    let millis = this.nowMillis();
    if (millis <= this.lastMillis) {
      millis = this.lastMillis;
      this.counter += 1;
      if (this.counter > 0xfff) {
        millis += 1; // counter exhausted: borrow the next millisecond rather than repeat an id
        this.counter = 0;
      }
    } else {
      this.counter = this.randomByte() & 0x7f; // random start, leaving room to count up
    }
    this.lastMillis = millis;

    const r = this.randomBytes(8);
    const p = this.pool;
    const high = Math.floor(millis / 0x1000000);
    const low = millis % 0x1000000;
    return (HEX[(high >>> 16) & 0xff]! + HEX[(high >>> 8) & 0xff]! + HEX[high & 0xff]! + HEX[(low >>> 16) & 0xff]!
      + '-' + HEX[(low >>> 8) & 0xff]! + HEX[low & 0xff]!
      + '-' + HEX[0x70 | (this.counter >> 8)]! + HEX[this.counter & 0xff]!
      + '-' + HEX[0x80 | (p[r]! & 0x3f)]! + HEX[p[r + 1]!]!
      + '-' + HEX[p[r + 2]!]! + HEX[p[r + 3]!]! + HEX[p[r + 4]!]! + HEX[p[r + 5]!]! + HEX[p[r + 6]!]! + HEX[p[r + 7]!]!) as OrderId;
  }

  private randomByte(): number {
    return this.pool[this.randomBytes(1)]!;
  }

  /** The offset in the pool of `n` fresh random bytes. */
  private randomBytes(n: number): number {
    if (this.used + n > POOL_BYTES) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }
}
