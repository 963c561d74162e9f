/** The NATS of this test run: the machine's, or the one globalSetup started (test/support/global-setup.mjs). */
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * `describe` for a suite that needs NATS, and `describe.skip` when the run has none; globalSetup has then said so
 * in one line, naming what to install. Under CI it fails the run instead, so nothing is skipped there.
 */
export const describeWithNats: jest.Describe = process.env.TEST_NATS_MISSING === '1' ? describe.skip : describe;
