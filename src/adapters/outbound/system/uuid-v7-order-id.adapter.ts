import { randomBytes } from 'node:crypto';
import type { OrderId } from '../../../domain/identifiers.js';
import type { OrderIdGenerator } from '../../../domain/ports/order-id-generator.port.js';

/**
 * RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids from one process strictly
 * increasing within a millisecond (method 1 of section 6.2), then 62 random bits. Ids sort by creation time and,
 * with 62 random bits per id, do not collide across replicas.
 */
export class UuidV7OrderIds implements OrderIdGenerator {
  private lastMillis = 0;
  private counter = 0;

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
      this.counter = randomBytes(1)[0]! & 0x7f; // random start, leaving room to count up
    }
    this.lastMillis = millis;

    const bytes = randomBytes(16);
    bytes.writeUIntBE(millis, 0, 6);
    bytes[6] = 0x70 | (this.counter >> 8);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as OrderId;
  }
}
