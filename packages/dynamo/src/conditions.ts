/**
 * Did a single write fail its condition? That is an expected answer for the repository to return as
 * an outcome (`'changed'`, `'taken'`, …), never an error. Checked by name as well as by class, so a
 * second copy of the SDK in a bundle cannot turn it into a 500.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException'
  );
}
