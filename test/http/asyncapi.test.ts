import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { asyncApiDocument } from '../../src/adapters/inbound/http/asyncapi.document.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService } from '../support/test-service.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const STATUSES = ['confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'rejected', 'expired'];

describe('GET /asyncapi.json', () => {
  let service: RunningService;
  const TOKEN = 'asyncapi-test-token-0123456789';
  beforeAll(async () => {
    service = await startTestService({ EVENTS_NATS_STREAM: 'SHOP_EVENTS', EVENTS_NATS_SUBJECT_PREFIX: 'shop.eu', AUTH_TOKENS: TOKEN });
  });
  afterAll(() => service.stop());

  it('serves an AsyncAPI 3.0 document the official parser accepts without an error or a warning, open without a token', async () => {
    const response = await request(service.url, 'GET', '/asyncapi.json');
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    const { document, diagnostics } = await new Parser().parse(response.text);
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('names a channel for each announced status and for stock adjustments, from the configured prefix and stream', async () => {
    const doc = (await request(service.url, 'GET', '/asyncapi.json')).body;
    const addresses = Object.values(doc.channels).map((channel: any) => channel.address).sort();
    expect(addresses).toEqual([...STATUSES.map((status) => `shop.eu.order.${status}`), 'shop.eu.book.stock-adjusted'].sort());
    expect(JSON.stringify(doc.channels)).toContain('SHOP_EVENTS');
    expect(doc.info.description).toContain('`shop.eu.>`');
  });

  it('describes the CloudEvent envelope, its data and the NATS headers of each message', async () => {
    const { document } = await new Parser().parse(JSON.stringify(asyncApiDocument({ stream: 'AVAKART_EVENTS', subjectPrefix: 'avakart' })));
    const shipped = document!.channels().all().find((channel) => channel.address() === 'avakart.order.shipped')!;
    const message = shipped.messages().all()[0]!;
    expect(message.contentType()).toBe('application/cloudevents+json');
    expect(Object.keys(message.headers()!.properties()!).sort()).toEqual(['Content-Type', 'Nats-Msg-Id']);
    const payload = message.payload()!.json() as any;
    const envelope = JSON.stringify(payload);
    for (const field of ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'orderversion', 'previousStatus', 'order']) {
      expect(envelope).toContain(`"${field}"`);
    }
    expect(envelope).toContain('"const":"com.avakart.order.shipped"');
    const sends = document!.operations().all().filter((operation) => operation.action() === 'send');
    expect(sends).toHaveLength(STATUSES.length + 1);
  });
});
