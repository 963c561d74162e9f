import type { NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * Connection options from EVENTS_NATS_URL. The client takes host:port only, so credentials in a URL
 * (`nats://user:password@host`, or `nats://token@host`) become options, and `tls://` asks for TLS.
 */
export function natsConnectOptions(url: string): NodeConnectionOptions {
  const urls = url.split(',').map((part) => new URL(part.trim()));
  const options: NodeConnectionOptions = { servers: urls.map((u) => `${u.hostname}:${u.port || '4222'}`) };
  const withCredentials = urls.find((u) => u.username);
  if (withCredentials) {
    const user = decodeURIComponent(withCredentials.username);
    const pass = decodeURIComponent(withCredentials.password);
    Object.assign(options, pass ? { user, pass } : { token: user });
  }
  if (urls.some((u) => u.protocol === 'tls:')) options.tls = {};
  return options;
}

/** The URL as it may be logged: hosts and ports, never credentials. */
export const printableNatsUrl = (url: string): string =>
  url.split(',').map((part) => {
    const u = new URL(part.trim());
    return `${u.protocol}//${u.hostname}:${u.port || '4222'}`;
  }).join(',');
