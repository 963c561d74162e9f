import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, type JsonResponse } from './test-service.js';

export type CrashStep = 'after-place' | 'after-status';

/** The entry that runs the service and kills it with SIGKILL right after the step named in CRASH_AT. */
export const CRASHING_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), './crash-at-step.mjs');

/**
 * The request that crashes a service started with CRASH_AT=`step` (user `crash`, 5 copies of `bookId`): the
 * placement itself, or a cancel of an order placed first. Its promise rejects when the process dies.
 */
export function crashingRequest(url: string, step: CrashStep, bookId: string): Promise<JsonResponse> {
  if (step === 'after-place') return request(url, 'POST', '/orders', { bookId, userId: 'crash', quantity: 5 });
  return (async () => {
    const victim = await request(url, 'POST', '/orders', { bookId, userId: 'crash', quantity: 5 });
    expect(victim.status).toBe(201);
    return request(url, 'PUT', `/orders/${victim.body.id}/status`, { status: 'cancelled' });
  })();
}
