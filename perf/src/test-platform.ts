// The platform `npm test` starts (jest's global setup: test ports, DynamoDB in memory, logs in files),
// as a process of its own so the footprint harness can measure its tree. Prints one line
// `READY <base URL> <data dir>` once it is healthy; stops on SIGINT or SIGTERM.
import { startTestPlatform } from '@tenantry/local-platform/global-setup';

const stop = await startTestPlatform();
console.log(`READY ${process.env.TENANTRY_BASE_URL} ${process.env.TENANTRY_DATA_DIR}`);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
