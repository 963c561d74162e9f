import type { StorageBackend } from './storage-backend.js';

/**
 * What a storage backend reports about the time it spends in its store. Names must come from a fixed set
 * (a port method, a route of the storage API, a statement kind), never from ids, so the series stay bounded.
 */
export interface StorageMetrics {
  /** A port method the use cases called, from call to settlement; `failed` when it threw or rejected. */
  operation(name: string, seconds: number, failed: boolean): void;
  /** One request a backend made to its store (an HTTP call, a SQL statement), each retry counted on its own. */
  call(name: string, seconds: number, failed: boolean): void;
}

export const NO_STORAGE_METRICS: StorageMetrics = { operation: () => {}, call: () => {} };

/** The ports a backend serves to the use cases: the ones measured. */
const PORTS = ['orders', 'inventory', 'staleOrders'] as const;

/**
 * The backend with each port method timed as `<port>.<method>` (`orders.place`, `inventory.findBook`). A Left is an
 * answer, not a failure: only a throw or a rejection counts as one. Methods run with the real adapter as `this`;
 * everything else the backend has is passed through untouched.
 */
export function measuredBackend(backend: StorageBackend, metrics: StorageMetrics): StorageBackend {
  const ports = new Map<PropertyKey, object>();
  for (const name of PORTS) {
    const port: unknown = backend[name];
    if (typeof port === 'object' && port !== null) ports.set(name, measured(port, name, metrics));
  }
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = ports.get(property) ?? Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function measured<P extends object>(port: P, prefix: string, metrics: StorageMetrics): P {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (!wrappers.has(property)) wrappers.set(property, timed(target, value as AnyMethod, `${prefix}.${property}`, metrics));
      return wrappers.get(property);
    },
  });
}

type AnyMethod = (...args: unknown[]) => unknown;

function timed(target: object, method: AnyMethod, name: string, metrics: StorageMetrics) {
  return (...args: unknown[]): unknown => {
    const started = process.hrtime.bigint();
    const done = (failed: boolean) => metrics.operation(name, Number(process.hrtime.bigint() - started) / 1e9, failed);
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (error) {
      done(true);
      throw error;
    }
    if (!(result instanceof Promise)) {
      done(false);
      return result;
    }
    return result.then(
      (value: unknown) => {
        done(false);
        return value;
      },
      (error: unknown) => {
        done(true);
        throw error;
      },
    );
  };
}
