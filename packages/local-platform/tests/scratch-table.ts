import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A throwaway pk/sk table of a test (on demand), with a KEYS_ONLY stream when asked. */
export const scratchTable = (TableName: string, stream = false): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } } : {}),
});
