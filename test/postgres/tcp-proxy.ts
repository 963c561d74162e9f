import { createServer, connect, type Server, type Socket } from 'node:net';
import { POSTGRES_ADMIN_URL } from '../support/postgres-database.js';

type Mode = 'pass' | 'hang' | 'withhold';

const admin = new URL(POSTGRES_ADMIN_URL);

/**
 * A TCP proxy in front of the tests' PostgreSQL (by default the admin URL's host and port), so a test can take
 * "the database" away from one service without disturbing the real server that other tests share: refuse
 * connections, swallow traffic, hold the server's answers back and hand them over in one read, or cut a connection
 * right after a given statement has gone through.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: Mode = 'pass';
  private cutAt: string | undefined;
  private listenPort = 0;
  private readonly withheld: Array<() => void> = [];

  constructor(private readonly target = { host: admin.hostname, port: Number(admin.port || 5432) }) {}

  get port(): number {
    return this.listenPort;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.listenPort);
    return proxied.toString();
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** New connections are refused and every open one is reset: the database host is gone. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropAll();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Connections open but nothing comes back: a partition or a frozen server. */
  hang(): void {
    this.mode = 'hang';
  }

  /** Back to normal; connections that were swallowed are reset, as a real partition's would be. */
  heal(): void {
    if (this.mode === 'hang') this.dropAll();
    this.mode = 'pass';
  }

  /**
   * What the server sends from now on is kept back, its closing of a connection too, until `deliver` hands each
   * connection's share over in one write: answers and a server's last words then reach the client in one read.
   */
  withhold(): void {
    this.mode = 'withhold';
  }

  deliver(): void {
    this.mode = 'pass';
    for (const flush of this.withheld.splice(0)) flush();
  }

  /** The next message containing `text` (COMMIT, UPDATE …) reaches the server; its answer never comes back. */
  cutAfter(text: string): void {
    this.cutAt = text;
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'hang') return;
    const upstream = this.track(connect(this.target.port, this.target.host));
    let draining = false;
    let kept: Buffer[] | undefined;
    let closed = false;
    const keep = () => {
      if (kept) return;
      kept = [];
      this.withheld.push(() => {
        if (kept!.length > 0 && !client.destroyed) client.write(Buffer.concat(kept!));
        kept = undefined;
        if (closed) client.end();
      });
    };
    client.on('data', (chunk: Buffer) => {
      if (this.mode === 'hang') return;
      if (this.cutAt !== undefined && chunk.includes(this.cutAt)) {
        this.cutAt = undefined;
        draining = true;
        upstream.end(chunk);
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode === 'withhold') keep();
      if (kept) kept.push(chunk);
      else if (this.mode !== 'hang' && !client.destroyed) client.write(chunk);
    });
    // When cutting after a message the server side is left to flush and close by itself, so the COMMIT arrives.
    client.on('close', () => draining || upstream.destroy());
    upstream.on('close', () => {
      closed = true;
      if (this.mode === 'withhold') keep();
      if (!kept) client.destroy();
    });
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}
