import { UuidV7OrderIds } from '../../src/adapters/outbound/system/uuid-v7-order-id.adapter.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 order ids', () => {
  it('are RFC 9562 version 7 with the timestamp in front', () => {
    const id = new UuidV7OrderIds(() => 0x0123456789ab).next();
    expect(id).toMatch(UUID_V7);
    expect(id.startsWith('01234567-89ab-7')).toBe(true);
  });

  it('are unique and strictly increasing, even thousands within one millisecond', () => {
    const ids = new UuidV7OrderIds(() => 1_795_000_000_000);
    const made = Array.from({ length: 10_000 }, () => ids.next());
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
  });

  it('keep increasing when the clock steps back', () => {
    let now = 1_795_000_000_500;
    const ids = new UuidV7OrderIds(() => now);
    const first = ids.next();
    now -= 400;
    expect(ids.next() > first).toBe(true);
  });
});
