// Runs the service entry given in MODULE_RECORDER_ENTRY and records every module the ES loader resolves, so a test
// can tell what was loaded. SIGUSR2 prints one JSON line {"msg":"modules","urls":[…]} on stdout.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const urls = [];
port1.on('message', (url) => urls.push(url));
port1.unref();
register('./module-recorder-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
process.on('SIGUSR2', () => process.stdout.write(`${JSON.stringify({ msg: 'modules', urls })}\n`));
await import(process.env.MODULE_RECORDER_ENTRY);
