import { moneyFromDecimal, multiply, toDecimal } from '../../src/domain/money.js';
import { isQuantity } from '../../src/domain/quantity.js';
import { isBookId } from '../../src/domain/identifiers.js';

describe('money', () => {
  it('multiplies exactly: 3 × 10.10 = 30.30', () => {
    const price = moneyFromDecimal(10.1)!;
    expect(toDecimal(multiply(price, 3))).toBe(30.3);
    expect(JSON.stringify(toDecimal(multiply(price, 3)))).toBe('30.3');
    expect(3 * 10.1).not.toBe(30.3); // what floating point alone would have given
  });

  it.each([
    [10.5, 1050],
    [39.99, 3999],
    [0, 0],
    [0.1, 10],
    [1e6, 100_000_000],
  ])('reads %p as %p cents', (amount, cents) => {
    expect(moneyFromDecimal(amount)).toBe(cents);
  });

  it.each([10.001, -1, NaN, Infinity, 1e13])('refuses %p as a price', (amount) => {
    expect(moneyFromDecimal(amount)).toBeUndefined();
  });

  it('never prints a floating-point artefact for any total up to 100 × 99.99', () => {
    for (let cents = 1; cents <= 9999; cents += 37) {
      for (const quantity of [1, 3, 7, 100]) {
        const printed = String(toDecimal(multiply(moneyFromDecimal(cents / 100)!, quantity)));
        expect(printed).toMatch(/^\d+(\.\d{1,2})?$/);
      }
    }
  });
});

describe('value rules', () => {
  it.each([[1, true], [1000, true], [0, false], [1001, false], [1.5, false], [-3, false]])('quantity %p → %p', (n, ok) => {
    expect(isQuantity(n)).toBe(ok);
  });

  it.each([['b1', true], ['', false], ['   ', false], ['a\u0000b', false], ['x'.repeat(129), false], ['b1&x=1', true]])(
    'identifier %j → %p',
    (id, ok) => expect(isBookId(id)).toBe(ok),
  );
});
