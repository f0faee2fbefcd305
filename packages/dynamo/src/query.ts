/**
 * Queries through `paginateQuery` of `@aws-sdk/lib-dynamodb`, never a hand-written
 * `LastEvaluatedKey` loop:
 * - {@link queryPage}: one page of a list (`?limit=&cursor=` → `{ items, nextCursor }`). With a
 *   `FilterExpression`, a read can return fewer items than asked (or none): reads continue from the
 *   key DynamoDB stopped at, each asking only for what is still missing, until the page is full or
 *   the partition ends. The cursor is the last key DynamoDB evaluated, so nothing between two pages
 *   is skipped or repeated. The last page says `nextCursor: null` (a page that ends exactly at the
 *   end of the partition may still carry a cursor; the next page is then empty with `null`).
 * - {@link queryAll}: every item of a query (batch jobs such as the purge, never a request path
 *   over an unbounded partition).
 */
import { type DynamoDBDocumentClient, GetCommand, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Page, PageQuery } from '@tenantry/models';
import { type CursorShape, decodeCursor, encodeCursor, invalidCursor, type StartKey } from './cursor';

export type Item = Record<string, unknown>;

/** A page query (its cursor decoded here against `shape`) and what a cursor of it must look like. */
export interface PageRequest extends PageQuery {
  /** What a cursor of this query must look like (see `decodeCursor`). */
  shape: CursorShape;
}

/** One page of a query, filled across filtered reads and never longer than `limit`. */
export async function queryPage(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  page: PageRequest,
): Promise<Page<Item>> {
  const items: Item[] = [];
  const startKey = decodeCursor(page.cursor, page.shape);
  if (startKey && page.shape.item) await assertCursorItem(client, input.TableName, startKey, page.shape.item);
  let lastKey: Item | undefined;
  const pages = paginateQuery(
    {
      client,
      // Each read asks only for what the page still lacks.
      withCommand: (command) => {
        command.input.Limit = page.limit - items.length;
        return command;
      },
    },
    { ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) },
  );
  for await (const output of pages) {
    items.push(...((output.Items ?? []) as Item[]));
    lastKey = output.LastEvaluatedKey;
    if (items.length >= page.limit) break;
  }
  return { items, nextCursor: encodeCursor(lastKey) };
}

/** The item a cursor names exists and belongs to the list (see `CursorShape.item`), else the cursor is refused. */
async function assertCursorItem(
  client: DynamoDBDocumentClient,
  tableName: string | undefined,
  start: StartKey,
  item: NonNullable<CursorShape['item']>,
): Promise<void> {
  const { Item: named } = await client.send(
    new GetCommand({ TableName: tableName, Key: item.key(start), ConsistentRead: true }),
  );
  if (!named || !item.belongs(named, start)) throw invalidCursor();
}

/** Every item of a query, page after page. */
export async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const output of paginateQuery({ client }, { ...input })) {
    items.push(...((output.Items ?? []) as Item[]));
  }
  return items;
}
