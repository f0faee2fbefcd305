import { describe, expect, it } from '@jest/globals';
import { tenantCondition, tenantDelete, tenantPut, tenantTransactWrite, tenantUpdate } from '../../src/index';

const context = { organizationId: 'acme' };

describe('tenant pinning of writes', () => {
  it('merges the tenant condition with the caller condition and keeps both sets of placeholders', () => {
    const input = tenantCondition(context, {
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':v': 3 },
    });
    expect(input).toEqual({
      ConditionExpression: '(#tenantOrganizationId = :tenantOrganizationId) AND (#v = :v)',
      ExpressionAttributeNames: { '#v': 'version', '#tenantOrganizationId': 'organizationId' },
      ExpressionAttributeValues: { ':v': 3, ':tenantOrganizationId': 'acme' },
    });
  });

  it('writes organizationId from the context into a put and never overwrites another tenant', () => {
    const put = tenantPut(context, { TableName: 't', Item: { pk: 'ORG#acme', sk: 'APP#1' } });
    expect(put.Item).toMatchObject({ organizationId: 'acme' });
    expect(put.ConditionExpression).toBe(
      'attribute_not_exists(#tenantOrganizationId) OR #tenantOrganizationId = :tenantOrganizationId',
    );
  });

  it('throws when an item names another organization than the context', () => {
    expect(() => tenantPut(context, { TableName: 't', Item: { pk: 'x', organizationId: 'globex' } })).toThrow();
  });

  it('refuses an update that would change organizationId', () => {
    expect(() =>
      tenantUpdate(context, { TableName: 't', Key: { pk: 'x' }, UpdateExpression: 'SET organizationId = :o' }),
    ).toThrow();
    expect(() =>
      tenantUpdate(context, {
        TableName: 't',
        Key: { pk: 'x' },
        UpdateExpression: 'SET #o = :o',
        ExpressionAttributeNames: { '#o': 'organizationId' },
      }),
    ).toThrow();
    const ok = tenantUpdate(context, { TableName: 't', Key: { pk: 'x' }, UpdateExpression: 'SET #n = :n' });
    expect(ok.ConditionExpression).toBe('#tenantOrganizationId = :tenantOrganizationId');
  });

  it('pins a delete to an existing item of the tenant', () => {
    expect(tenantDelete(context, { TableName: 't', Key: { pk: 'x' } }).ExpressionAttributeValues).toEqual({
      ':tenantOrganizationId': 'acme',
    });
  });

  it('pins every item of a transaction', () => {
    const input = tenantTransactWrite(context, {
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: 'a' } } },
        { Update: { TableName: 't', Key: { pk: 'b' }, UpdateExpression: 'ADD #c :one' } },
        { Delete: { TableName: 't', Key: { pk: 'c' } } },
        { ConditionCheck: { TableName: 't', Key: { pk: 'd' }, ConditionExpression: 'attribute_exists(pk)' } },
      ],
    });
    for (const item of input.TransactItems ?? []) {
      const inner = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
      expect(inner?.ConditionExpression).toContain('#tenantOrganizationId');
      expect(inner?.ExpressionAttributeValues?.[':tenantOrganizationId']).toBe('acme');
    }
    expect(input.TransactItems?.[0]?.Put?.Item).toMatchObject({ organizationId: 'acme' });
  });

  it('refuses a scope without an organization id', () => {
    expect(() => tenantDelete({ organizationId: '' }, { TableName: 't', Key: { pk: 'x' } })).toThrow();
  });
});
