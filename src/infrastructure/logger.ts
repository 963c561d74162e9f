import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON lines on stdout, one object per event; `err` values are serialised with their stack. */
export const createLogger = (level: Config['logLevel']): Logger =>
  pino({ level, base: { service: 'order-service' }, timestamp: pino.stdTimeFunctions.isoTime });
