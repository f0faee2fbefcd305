// `npm start`: the whole platform on 127.0.0.1, in the foreground, until Ctrl-C.
// `npm start -- --infra`: only DynamoDB Local, cognito-local and the event bus; run the services you
// work on yourself with `npx sls offline` in their folders (README, "Work on one service").
import { parseArgs } from 'node:util';
import {
  busyPorts,
  defaultDataDir,
  type InfrastructureInfo,
  type RunningInfrastructure,
  type RunningPlatform,
  startInfrastructure,
  startPlatform,
} from '../platform';

const { values } = parseArgs({
  options: {
    infra: { type: 'boolean', default: false },
    'port-offset': { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: defaultDataDir },
    'allowed-origins': { type: 'string' },
    // Keep the services as they started, whatever changes (benchmarks in a working tree others edit).
    'no-reload': { type: 'boolean', default: false },
  },
});
const portOffset = Number(values['port-offset']);
const dataDir = values['data-dir']!;
const infraOnly = values.infra!;
const allowedOrigins = values['allowed-origins']?.split(',').map((origin) => origin.trim());

const busy = await busyPorts(portOffset, infraOnly ? 'infra' : 'platform');
if (busy.length > 0) {
  console.error(
    `Tenantry cannot start: ports ${busy.join(', ')} are already in use on 127.0.0.1 (is Tenantry already running?).\n` +
      'Is `npm start` already running in another terminal? Stop it with Ctrl-C there, or free those ports.',
  );
  process.exit(1);
}

const fail = (error: Error): never => {
  console.error(`Tenantry could not start: ${error.message}`);
  process.exit(1);
};

const connection = (info: InfrastructureInfo) => `  User pool id    ${info.pool.userPoolId}
  App client id   ${info.pool.clientId}
  Cognito         ${info.cognitoEndpoint}
  DynamoDB Local  ${info.dynamodbEndpoint}
  Event bus       ${info.eventBusEndpoint} (${info.env.EVENT_BUS_NAME})
  Data            ${dataDir}`;

let running: RunningPlatform | RunningInfrastructure;
if (infraOnly) {
  console.log('Starting the Tenantry infrastructure: DynamoDB Local, cognito-local and the event bus…');
  const infrastructure = await startInfrastructure({ portOffset, dataDir }).catch(fail);
  running = infrastructure;
  // `sls offline` finds this platform through the data dir: say so when it is not the default one.
  const dataDirVariable = dataDir === defaultDataDir ? '' : `TENANTRY_DATA_DIR=${dataDir} `;
  const services = Object.values(infrastructure.offline)
    .map(
      (service) =>
        `  ${service.directory.padEnd(15)} http://127.0.0.1:${service.httpPort}   cd services/${service.directory} && ${dataDirVariable}npx sls offline`,
    )
    .join('\n');
  console.log(`
Tenantry infrastructure is running (no services, no gateway).

${connection(infrastructure)}

Run the services you work on, each in its own terminal, on its own port:
${services}

Create a user and get a token (in another terminal):
  ${dataDirVariable}npm run cli -- user create alice@example.com --group CUSTOMER
  TOKEN=$(${dataDirVariable}npm run cli -- token alice@example.com)

Press Ctrl-C to stop.
`);
} else {
  console.log('Starting Tenantry: DynamoDB Local, cognito-local, the event bus and the four services…');
  const platform = await startPlatform({
    portOffset,
    dataDir,
    reload: !values['no-reload'],
    ...(allowedOrigins ? { allowedOrigins } : {}),
  }).catch(fail);
  running = platform;
  console.log(`
Tenantry is running.

  Base URL        ${platform.baseUrl}   (GET ${platform.baseUrl}/health)
${connection(platform)}

Create a user and get a token (in another terminal):
  npm run cli -- user create alice@example.com --group CUSTOMER
  TOKEN=$(npm run cli -- token alice@example.com)
  curl -H "Authorization: Bearer $TOKEN" ${platform.baseUrl}/me/organizations

${
  values['no-reload']
    ? 'Code changes are not picked up (--no-reload).'
    : `Saving a file under services/<name>/src or packages/<name>/src restarts the services it reaches
with the new code (a few seconds; requests meanwhile wait for them).`
}

Press Ctrl-C to stop.
`);
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Tenantry…');
  await running.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
