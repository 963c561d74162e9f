import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The bench's load generator and its round arithmetic are plain .mjs scripts; their figures decide verdicts.
interface LoadResult {
  requests: number;
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}
type Next = () => { method: string; path: string; body?: string };
const { closedLoop } = (await import(new URL('./loadgen.mjs', import.meta.url).href)) as {
  closedLoop(options: { url: string; connections: number; durationS: number; warmupS?: number; next: Next; timeoutMs?: number }): Promise<LoadResult>;
};
const rounds = (await import(new URL('./rounds.mjs', import.meta.url).href)) as {
  median(values: number[]): number;
  rotated<T>(targets: T[], round: number): T[];
  foldRounds(rows: object[]): LoadResult & { rounds: Array<{ rps: number; p50Ms: number; p99Ms: number }>; peakRssMiB: number };
  perRound(x: object, y: object, of: (a: { rps: number }, b: { rps: number }) => number): number[];
  byRounds(x: object, y: object, of: (a: { rps: number }, b: { rps: number }) => number): { value: number; each: number[] };
};

async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    n += 1;
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const get: Next = () => ({ method: 'GET', path: '/x' });
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the bench load generator', () => {
  it('times each request to its last byte: one slow answer in fifty is the p99', async () => {
    const { url, server } = await serve((_req, res, n) => {
      const answer = () => res.end('{"ok":true}');
      if (n % 50 === 0) setTimeout(answer, 150);
      else answer();
    });
    servers.push(server);
    const result = await closedLoop({ url, connections: 2, durationS: 1.5, next: get });
    expect(result.requests).toBeGreaterThan(100);
    expect(result.p50Ms).toBeLessThan(20);
    expect(result.p99Ms).toBeGreaterThanOrEqual(140);
    expect(result).toMatchObject({ non2xx: 0, socketErrors: 0 });
  });

  it('sends bodies, reads chunked answers, counts 4xx and 5xx, and follows Connection: close', async () => {
    const bodies: string[] = [];
    const { url, server } = await serve((req, res, n) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        bodies.push(body);
        if (n % 3 === 0) res.setHeader('Connection', 'close');
        res.statusCode = n % 2 === 0 ? 422 : 201;
        res.write('{"part":1,');
        setImmediate(() => res.end('"part":2}'));
      });
    });
    servers.push(server);
    const result = await closedLoop({ url, connections: 4, durationS: 0.5,
      next: () => ({ method: 'POST', path: '/orders', body: '{"bookId":"b1"}' }) });
    expect(result.requests).toBeGreaterThan(20);
    expect(result.non2xx / result.requests).toBeGreaterThan(0.3);
    expect(result.non2xx / result.requests).toBeLessThan(0.7);
    expect(result.socketErrors).toBe(0);
    expect(new Set(bodies)).toEqual(new Set(['{"bookId":"b1"}']));
  });

  it('counts a connection that drops with a request outstanding, and a request that times out, as socket errors', async () => {
    const { url, server } = await serve((req, res, n) => {
      if (n % 10 === 0) req.socket.destroy();
      else if (n === 5) return; // never answered
      else res.end('{}');
    });
    servers.push(server);
    const result = await closedLoop({ url, connections: 2, durationS: 0.8, next: get, timeoutMs: 300 });
    expect(result.requests).toBeGreaterThan(10);
    expect(result.socketErrors).toBeGreaterThanOrEqual(2);
  });
});

describe('bench rounds', () => {
  const row = (rps: number, p99Ms: number) => ({ rps, p50Ms: 10, p99Ms, requests: rps, durationS: 1, non2xx: 0, socketErrors: 1, peakRssMiB: rps / 100 });

  it('keeps the medians, sums the counts, and one stalled round does not move the p99', () => {
    const folded = rounds.foldRounds([row(1000, 20), row(3000, 400), row(2000, 25)]);
    expect(folded).toMatchObject({ rps: 2000, p99Ms: 25, requests: 6000, socketErrors: 3, peakRssMiB: 30 });
    expect(folded.rounds.map((r) => r.rps)).toEqual([1000, 3000, 2000]);
  });

  it('judges a ratio round by round', () => {
    const x = rounds.foldRounds([row(600, 1), row(700, 1), row(300, 1)]);
    const y = rounds.foldRounds([row(1000, 1), row(1000, 1), row(500, 1)]);
    expect(rounds.perRound(x, y, (a, b) => a.rps / b.rps)).toEqual([0.6, 0.7, 0.6]);
    expect(rounds.median([0.6, 0.7, 0.6])).toBe(0.6);
    expect(rounds.median([1, 2, 3, 4])).toBe(2.5);
    expect(rounds.byRounds(x, y, (a, b) => a.rps / b.rps)).toEqual({ value: 0.6, each: [0.6, 0.7, 0.6] });
    // Rows without rounds (an older results file) are judged on their own figures.
    expect(rounds.byRounds({ rps: 500 }, { rps: 1000 }, (a, b) => a.rps / b.rps)).toEqual({ value: 0.5, each: [] });
  });

  it('rotates the order each round', () => {
    expect([0, 1, 2].map((r) => rounds.rotated(['a', 'b', 'c'], r).join(''))).toEqual(['abc', 'bca', 'cab']);
  });
});
