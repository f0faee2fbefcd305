import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let shared: DynamoDBDocumentClient | undefined;

/**
 * The document client of this process, created once and reused across invocations.
 * `DYNAMODB_ENDPOINT` points it at DynamoDB Local; deployed, it is unset and the SDK uses the region.
 */
export function documentClient(): DynamoDBDocumentClient {
  if (!shared) {
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    const client = new DynamoDBClient({ ...(endpoint ? { endpoint } : {}), maxAttempts: 3 });
    shared = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return shared;
}
