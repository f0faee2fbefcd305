// `npm start`: the whole platform on 127.0.0.1, in the foreground, until Ctrl-C.
import { parseArgs } from 'node:util';
import { busyPorts, defaultDataDir, startPlatform } from '../platform';

const { values } = parseArgs({
  options: {
    'port-offset': { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: defaultDataDir },
  },
});
const portOffset = Number(values['port-offset']);
const dataDir = values['data-dir']!;

const busy = await busyPorts(portOffset);
if (busy.length > 0) {
  console.error(
    `Tenantry cannot start: ports ${busy.join(', ')} are already in use on 127.0.0.1 (is Tenantry already running?).\n` +
      'Is `npm start` already running in another terminal? Stop it with Ctrl-C there, or free those ports.',
  );
  process.exit(1);
}

console.log('Starting Tenantry: DynamoDB Local, cognito-local, the event bus and the four services…');
const platform = await startPlatform({ portOffset, dataDir }).catch((error: Error) => {
  console.error(`Tenantry could not start: ${error.message}`);
  process.exit(1);
});

console.log(`
Tenantry is running.

  Base URL        ${platform.baseUrl}   (GET ${platform.baseUrl}/health)
  User pool id    ${platform.pool.userPoolId}
  App client id   ${platform.pool.clientId}
  Cognito         ${platform.cognitoEndpoint}
  DynamoDB Local  ${platform.dynamodbEndpoint}
  Event bus       ${platform.eventBusEndpoint} (${platform.env.EVENT_BUS_NAME})
  Data            ${dataDir}

Create a user and get a token (in another terminal):
  npm run cli -- user create alice@example.com --group CUSTOMER
  TOKEN=$(npm run cli -- token alice@example.com)
  curl -H "Authorization: Bearer $TOKEN" ${platform.baseUrl}/me/organizations

Press Ctrl-C to stop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Tenantry…');
  await platform.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
