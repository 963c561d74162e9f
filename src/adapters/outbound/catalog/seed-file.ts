import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { isBookId } from '../../../domain/identifiers.js';
import { moneyFromDecimal } from '../../../domain/money.js';
import type { SeedBook } from './catalog-seeder.js';

/** An AvaKart Book as the storage service writes it; fields we do not keep (seller_id, description) are ignored. */
const SeedFileBook = t.type({
  id: t.string,
  title: t.string,
  author: t.string,
  price: t.number,
  quantity: t.number,
});

/** Reads a JSON array of AvaKart Books; any invalid entry stops start-up with a message naming it. */
export async function readSeedFile(path: string): Promise<SeedBook[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`INVENTORY_SEED_FILE ${path}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new Error(`INVENTORY_SEED_FILE ${path}: expected a JSON array of books`);
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const decoded = SeedFileBook.decode(entry);
    const where = `INVENTORY_SEED_FILE ${path}: book #${index}`;
    if (E.isLeft(decoded)) throw new Error(`${where} needs id, title, author (strings), price and quantity (numbers)`);
    const { id, title, author, price, quantity } = decoded.right;
    const cents = moneyFromDecimal(price);
    if (!isBookId(id)) throw new Error(`${where} has an invalid id`);
    if (seen.has(id)) throw new Error(`${where} repeats id ${id}`);
    if (cents === undefined) throw new Error(`${where} (${id}) has price ${price}: expected at most two decimals, ≥ 0`);
    if (!Number.isSafeInteger(quantity) || quantity < 0) throw new Error(`${where} (${id}) has quantity ${quantity}: expected a whole number ≥ 0`);
    seen.add(id);
    return { id, title, author, price: cents, stock: quantity };
  });
}
