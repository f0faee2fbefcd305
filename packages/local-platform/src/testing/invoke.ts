// A function of a running service, invoked through its serverless-offline Lambda API: how a test
// reaches a function that has no HTTP route (a schedule) in another service without importing that
// service's code (services never import each other, tests included).
import { readFileSync } from 'node:fs';
import { type Invocation, localLambdas } from '../lambdas';
import { stateFile } from '../platform';

interface PlatformState {
  offline: Record<string, { directory: string; lambdaPort: number }>;
}

/** Invokes `functionName` of `service` (its folder under services/) with `payload`, as its event would. */
export async function invokeFunction(
  service: string,
  functionName: string,
  payload: unknown = {},
): Promise<Invocation> {
  const dataDir = process.env.TENANTRY_DATA_DIR;
  if (!dataDir) throw new Error('TENANTRY_DATA_DIR is not set: is the test platform running (jest global setup)?');
  const state = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as PlatformState;
  const running = Object.entries(state.offline).find(([, offline]) => offline.directory === service);
  if (!running) throw new Error(`the test platform runs no service ${service}`);
  const [serviceName, { lambdaPort }] = running;
  const lambdas = localLambdas(process.env.AWS_REGION ?? 'us-east-1');
  try {
    return await lambdas.invoke(lambdaPort, `${serviceName}-local-${functionName}`, payload);
  } finally {
    lambdas.destroy();
  }
}
