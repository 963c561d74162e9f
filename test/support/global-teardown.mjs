/** Jest globalTeardown: stops what globalSetup started, and waits until its servers and data folders are gone. */
import { SERVICES } from './global-setup.mjs';

export default async function globalTeardown() {
  await globalThis[SERVICES]?.stop();
}
