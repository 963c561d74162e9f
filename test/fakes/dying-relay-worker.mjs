// A relay thread that dies as soon as it starts (test/nats/relay-thread.test.ts).
process.exit(3);
