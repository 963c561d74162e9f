import { connect } from 'node:net';
import { describeWithNats, NATS_URL } from './nats.js';

/** The greeting a NATS server sends every new connection: `INFO {json}`. */
function serverInfo(url: string): Promise<Record<string, unknown>> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port || 4222), hostname);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no INFO from ${url}`)));
    socket.once('error', reject);
    socket.once('data', (chunk) => {
      socket.destroy();
      const line = chunk.toString('utf8').split('\r\n')[0]!;
      if (line.startsWith('INFO ')) resolve(JSON.parse(line.slice('INFO '.length)) as Record<string, unknown>);
      else reject(new Error(`${url} is not a NATS server: ${line.slice(0, 80)}`));
    });
  });
}

describeWithNats('the NATS server of the test run', () => {
  it('answers at TEST_NATS_URL with JetStream enabled, as the events suites need', async () => {
    expect(await serverInfo(NATS_URL)).toMatchObject({ jetstream: true });
  });
});
