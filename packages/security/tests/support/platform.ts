// Integration tests run against the platform the jest global setup starts (docs/CONVENTIONS.md):
// DynamoDB Local with every service's tables, and cognito-local with the platform's pool.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * What a function of stage local has beyond the platform's shared variables, as the organizations
 * service's: an idempotency table the services declare, so this package's tests need no table of
 * their own, and a service name (routes check the whole environment contract).
 */
const FUNCTION_ENVIRONMENT = {
  SERVICE_NAME: 'tenantry-organizations',
  IDEMPOTENCY_TABLE: 'tenantry-organizations-local-idempotency',
};

export function localDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
}

export interface LocalPlatform {
  stop(): Promise<void>;
}

export async function localPlatform(): Promise<LocalPlatform> {
  if (!process.env.DYNAMODB_ENDPOINT || !process.env.COGNITO_ENDPOINT) {
    throw new Error('the integration tests need the platform of the jest global setup (run them from the root)');
  }
  Object.assign(process.env, FUNCTION_ENVIRONMENT);
  return { stop: async () => undefined };
}
