import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '@tenantry/errors';
import { type CursorShape, encodeCursor, type Item, queryAll, queryPage } from '../src';
import { scratchTable } from './support';

const scratch = scratchTable('dynamo-query-test');
const { client, table } = scratch;

// Partition A: 25 items, every third one "odd" (filtered out by the member query); partition B: 3.
const itemsA = Array.from({ length: 25 }, (_, index) => ({
  pk: 'A',
  sk: `ITEM#${String(index).padStart(2, '0')}`,
  kind: index % 3 === 0 ? 'odd' : 'member',
  gsi1pk: 'ALL',
  gsi1sk: `A#${String(index).padStart(2, '0')}`,
}));
const itemsB = Array.from({ length: 3 }, (_, index) => ({ pk: 'B', sk: `ITEM#${index}`, kind: 'member' }));
const members = itemsA.filter((item) => item.kind === 'member').map((item) => item.sk);

const shapeA: CursorShape = { equals: { pk: 'A' }, prefixes: { sk: 'ITEM#' } };
const membersOfA = {
  TableName: table,
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
  FilterExpression: 'kind = :member',
  ExpressionAttributeValues: { ':pk': 'A', ':prefix': 'ITEM#', ':member': 'member' },
};

async function everyPage(limit: number): Promise<{ pages: Item[][]; cursors: (string | null)[] }> {
  const pages: Item[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage(client, membersOfA, { limit, cursor, shape: shapeA });
    pages.push(page.items);
    cursors.push(page.nextCursor);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return { pages, cursors };
}

beforeAll(async () => {
  await scratch.create();
  const all = [...itemsA, ...itemsB];
  for (let start = 0; start < all.length; start += 25) {
    await client.send(
      new BatchWriteCommand({
        RequestItems: { [table]: all.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await scratch.drop();
});

describe('queryPage', () => {
  it('fills each page across filtered reads and never goes past the limit', async () => {
    const { pages } = await everyPage(4);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(4);
    expect(pages.flat().map((item) => item.sk)).toEqual(members);
  });

  it('pages through every matching item exactly once, whatever the page size', async () => {
    for (const limit of [1, 3, 7, 16, 100]) {
      const { pages } = await everyPage(limit);
      expect(pages.flat().map((item) => item.sk)).toEqual(members);
    }
  });

  it('says nextCursor null once the partition is exhausted', async () => {
    const page = await queryPage(client, membersOfA, { limit: 100, shape: shapeA });
    expect(page.items).toHaveLength(members.length);
    expect(page.nextCursor).toBeNull();
    const { cursors } = await everyPage(5);
    expect(cursors.at(-1)).toBeNull();
  });

  it('stays in the partition of its query', async () => {
    const page = await queryPage(
      client,
      { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'B' } },
      { limit: 10, shape: { equals: { pk: 'B' }, prefixes: { sk: 'ITEM#' } } },
    );
    expect(page.items.map((item) => item.pk)).toEqual(['B', 'B', 'B']);
  });

  it('refuses a cursor of another partition with 400 before reading', async () => {
    const foreign = encodeCursor({ pk: 'B', sk: 'ITEM#0' })!;
    await expect(queryPage(client, membersOfA, { limit: 5, cursor: foreign, shape: shapeA })).rejects.toBeInstanceOf(
      ValidationFailedError,
    );
  });

  it('pages an index with the table key in its cursor', async () => {
    const shape: CursorShape = { equals: { gsi1pk: 'ALL' }, prefixes: { gsi1sk: 'A#', pk: '', sk: 'ITEM#' } };
    const input = {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ALL' },
    };
    const first = await queryPage(client, input, { limit: 10, shape });
    const second = await queryPage(client, input, { limit: 100, cursor: first.nextCursor!, shape });
    expect([...first.items, ...second.items].map((item) => item.sk)).toEqual(itemsA.map((item) => item.sk));
    expect(second.nextCursor).toBeNull();
  });

  it('refuses an index cursor whose named item does not exist or is not of the list, and pages with one that is', async () => {
    const shape: CursorShape = {
      equals: { gsi1pk: 'ALL' },
      prefixes: { gsi1sk: '', pk: '', sk: 'ITEM#' },
      item: { key: ({ pk, sk }) => ({ pk: pk!, sk: sk! }), belongs: (item, start) => item.gsi1sk === start.gsi1sk },
    };
    const input = {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ALL' },
    };
    const forged = [
      { gsi1pk: 'ALL', gsi1sk: 'A#03', pk: 'B', sk: 'ITEM#0' }, // an item of another partition, not in the index
      { gsi1pk: 'ALL', gsi1sk: 'A#03', pk: 'C', sk: 'ITEM#9' }, // no such item
      { gsi1pk: 'ALL', gsi1sk: 'A#04', pk: 'A', sk: 'ITEM#03' }, // an item of the list, at another place
    ];
    for (const key of forged) {
      await expect(queryPage(client, input, { limit: 5, cursor: encodeCursor(key)!, shape })).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    }
    const first = await queryPage(client, input, { limit: 10, shape });
    const second = await queryPage(client, input, { limit: 100, cursor: first.nextCursor!, shape });
    expect([...first.items, ...second.items].map((item) => item.sk)).toEqual(itemsA.map((item) => item.sk));
  });
});

describe('queryAll', () => {
  it('reads every page of a query', async () => {
    const items = await queryAll(client, { ...membersOfA, Limit: 2 });
    expect(items.map((item) => item.sk)).toEqual(members);
  });
});
