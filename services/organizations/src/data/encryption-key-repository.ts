/**
 * The one write of `PUT /organizations/{orgId}/encryption-key`: the organization's wrapped data
 * key replaced by its re-wrapped form, conditional on the organization being ACTIVE, ENTERPRISE
 * and still wrapped exactly as the use case read it (so two concurrent changes cannot both win and
 * a plan change or suspension in between is seen). Pinned to the tenant like every write.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, organizationKey, tables } from '@tenantry/dynamo';
import { tenantUpdate } from '@tenantry/security';
import type { EncryptionKeyRepository } from '../domain/encryption-key';
import type { OrganizationRepository } from '../domain/ports';
import { wrappedAs } from './conditions';
import { toState } from './items';

const isConditionFailure = (error: unknown): boolean => (error as Error)?.name === 'ConditionalCheckFailedException';

/** The DynamoDB implementation of {@link EncryptionKeyRepository}; reads go through the organization repository. */
export function dynamoEncryptionKeyRepository(
  organizations: Pick<OrganizationRepository, 'find' | 'usageOf'>,
  client?: DynamoDBDocumentClient,
): EncryptionKeyRepository {
  const db = () => client ?? documentClient();
  return {
    find: (organizationId) => organizations.find(organizationId),
    usageOf: (organizationId) => organizations.usageOf(organizationId),
    async replaceDataKey(scope, expected, next, now) {
      try {
        const { Attributes } = await db().send(
          new UpdateCommand(
            tenantUpdate(scope, {
              TableName: tables.organizations(),
              Key: organizationKey(scope.organizationId),
              UpdateExpression: 'SET dataKey = :next, #updatedAt = :now',
              ConditionExpression: wrappedAs,
              ExpressionAttributeNames: { '#status': 'status', '#plan': 'plan', '#updatedAt': 'updatedAt' },
              ExpressionAttributeValues: {
                ':next': next,
                ':now': now.toISOString(),
                ':active': 'ACTIVE',
                ':enterprise': 'ENTERPRISE',
                ':keyId': expected.keyId,
                ':blob': expected.encryptedDataKey,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return toState(Attributes ?? {});
      } catch (error) {
        if (isConditionFailure(error)) return 'changed';
        throw error;
      }
    },
  };
}
