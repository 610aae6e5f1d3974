#!/usr/bin/env node
// Start the telegram-test-api Bot API emulator for policybot's end-to-end tests.
//
//   node tests/e2e/start_emulator.js --port 9000 [--host 127.0.0.1] [--store-timeout 3600]
//
// Prints "telegram-test-api listening on http://HOST:PORT" once it accepts connections and
// stops cleanly on SIGTERM/SIGINT. The package is resolved from tests/e2e/node_modules
// (`npm ci --prefix tests/e2e`).
'use strict';

const TelegramServer = require('telegram-test-api');

function parseArgs(argv) {
  const options = { port: 9000, host: '127.0.0.1', storeTimeout: 3600 };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === '--port') {
      options.port = Number(value);
      i += 1;
    } else if (name === '--host') {
      options.host = value;
      i += 1;
    } else if (name === '--store-timeout') {
      options.storeTimeout = Number(value);
      i += 1;
    } else {
      throw new Error(`unknown argument ${name}; use --port N [--host H] [--store-timeout S]`);
    }
  }
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    throw new Error(`--port must be a TCP port number, not ${options.port}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // The emulator forgets messages older than storeTimeout seconds (default 60); a long test
  // session must not lose the history it asserts on.
  const server = new TelegramServer({
    port: options.port,
    host: options.host,
    storeTimeout: options.storeTimeout,
  });
  // The client routes call async functions without awaiting them; a malformed client request
  // (e.g. a command without entities) would otherwise crash Node with an unhandled rejection.
  process.on('unhandledRejection', (error) => {
    console.error(`telegram-test-api: unhandled rejection: ${error && error.stack ? error.stack : error}`);
  });
  await server.start();
  console.log(`telegram-test-api listening on ${server.config.apiURL}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(`telegram-test-api failed to start: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
