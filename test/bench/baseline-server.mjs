// The yardstick: a bare node:http server that reads and parses the same JSON body and answers the same shapes as
// the order service, with no framework, no validation library, no logging and no storage. Every ratio in the
// benchmark is the service's throughput over this server's, measured in the same run on the same machine.
//   node test/bench/baseline-server.mjs [port]   (prints "listening <port>" once ready)
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { LIST_CURSOR, resource } from './bench-shapes.mjs';

const MAX_BODY = 64 * 1024;

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text), 'x-request-id': randomUUID(), ...headers });
  res.end(text);
}

function readJson(req, res, then) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return send(res, 413, { title: 'Payload too large' });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { title: 'Malformed JSON' });
    }
    if (typeof body?.bookId !== 'string' || typeof body.userId !== 'string' || !Number.isInteger(body.quantity)) {
      return send(res, 422, { title: 'Invalid request' });
    }
    then(body);
  });
}

const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/orders') {
    return readJson(req, res, ({ bookId, userId, quantity }) => {
      const id = randomUUID();
      send(res, 201, resource(id, bookId, userId, quantity), { location: `/orders/${id}`, etag: '"2"' });
    });
  }
  if (req.method === 'GET' && path.startsWith('/orders/user/')) {
    const userId = decodeURIComponent(path.slice('/orders/user/'.length));
    const limit = Number(new URLSearchParams(req.url.split('?')[1] ?? '').get('limit') ?? 50);
    const orders = Array.from({ length: limit }, () => resource(randomUUID(), 'b1', userId, 1));
    return send(res, 200, { orders, nextCursor: LIST_CURSOR });
  }
  if (req.method === 'GET' && path.startsWith('/orders/')) {
    const id = decodeURIComponent(path.slice('/orders/'.length));
    return send(res, 200, resource(id, 'b1', 'bench-user', 1), { etag: '"2"' });
  }
  if (req.method === 'GET' && path === '/health/ready') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('Ready');
  }
  send(res, 404, { title: 'Not found' });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
