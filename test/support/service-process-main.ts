/*
 * Entry point of a service process for tests (see service-process.ts): settings from
 * the environment, log lines to stderr, and the URL as the first line of stdout.
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService } from '../../src/service.js';

const config = loadConfig(process.env);
const running = await startService(config, createLogger(config.logLevel, process.stderr));
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
