// Figure R9's child (figure R9 in perf/README.md): loads one function's deployed bundle in this fresh
// process and invokes its handler in process, one request at a time, as a warm Lambda container would.
//   tsx cost-child.ts <options JSON>
// mode `count`: before the bundle loads, DYNAMODB_ENDPOINT is pointed at a recording proxy in this
//   process and KMS at a stand-in here (delegating to the local key provider on LOCAL_KMS_DIR), so the
//   function's own code is unchanged and every call it makes is seen. The proxy asks DynamoDB Local for
//   ReturnConsumedCapacity INDEXES; prints each invocation's request units by table and KMS calls.
// mode `time`: the bundle talks to DynamoDB Local and the key provider directly (no proxy in the
//   path); prints each warm invocation's duration.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalKeyProvider } from '../../packages/crypto/src/local-key-provider';
import { httpEvent, lambdaContext } from '../../packages/security/src/testing';

export interface ChildRequest {
  method: string;
  path: string;
  pathParameters?: Record<string, string>;
  headers: Record<string, string>;
  /** JSON body; every `{n}` becomes a value unique to the invocation (a new name, a new slug). */
  body?: string;
  /** An unmeasured request through the gateway after each invocation, e.g. deleting what it created. */
  cleanup?: { baseUrl: string; method: string; path: string; idFrom: string; headers: Record<string, string> };
}

export interface ChildOptions {
  mode: 'count' | 'time';
  bundle: string;
  exportName: string;
  request: ChildRequest;
  /** `count`: the first invocation (cold) then these warm ones; `time`: warm-up, then measured. */
  warmup: number;
  measured: number;
}

export interface Counted {
  status: number;
  /** Request units by table (its stage prefix dropped) and `table/index`. */
  byTable: Record<string, { read: number; write: number }>;
  kms: Record<string, number>;
}

type Json = Record<string, unknown>;

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** `tenantry-local-rate-limits` → `rate-limits`; `tenantry-applications-local-idempotency` → `applications-idempotency`. */
export const shortTable = (name: string) => name.replace(/^tenantry-/, '').replace(/(^|-)local(-|$)/, '$1');

// ---------------------------------------------------------------------------------------------
// Item sizes (DynamoDB's rules, for the transactions DynamoDB Local misreports)

/** Bytes of one attribute value as DynamoDB sizes it. */
function valueSize(value: Json): number {
  const [type, inner] = Object.entries(value)[0] as [string, unknown];
  switch (type) {
    case 'S':
      return Buffer.byteLength(inner as string);
    case 'N':
      return Math.ceil((inner as string).replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(inner as string, 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, item) => sum + Buffer.byteLength(item), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, item) => sum + valueSize({ N: item }), 0);
    case 'BS':
      return (inner as string[]).reduce((sum, item) => sum + Buffer.from(item, 'base64').length, 0);
    case 'L':
      return 3 + (inner as Json[]).reduce((sum, item) => sum + 1 + valueSize(item), 0);
    case 'M':
      return (
        3 +
        Object.entries(inner as Record<string, Json>).reduce(
          (sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v),
          0,
        )
      );
    default:
      return 0;
  }
}

export const itemSize = (item: Record<string, Json> | undefined) =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0) : 0;

const kilobytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

// ---------------------------------------------------------------------------------------------
// The recording DynamoDB proxy

interface Upstream {
  call(
    target: string,
    input: Json,
    headers: IncomingHttpHeaders,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; raw: Buffer }>;
}

function upstreamAt(endpoint: string): Upstream {
  const url = new URL(endpoint);
  return {
    call: (target, input, headers) =>
      new Promise((resolve, reject) => {
        const body = Buffer.from(JSON.stringify(input));
        const forwarded = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/',
            headers: {
              ...headers,
              host: url.host,
              'x-amz-target': `DynamoDB_20120810.${target}`,
              'content-length': body.length,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 500, headers: response.headers, raw: Buffer.concat(chunks) }),
            );
            response.on('error', reject);
          },
        );
        forwarded.on('error', reject);
        forwarded.end(body);
      }),
  };
}

interface TransactAction {
  table: string;
  key?: Record<string, Json>;
  item?: Record<string, Json>;
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
}

function transactActions(input: Json): TransactAction[] {
  return (input.TransactItems as Array<Record<string, Json>>).map((entry) => {
    const [kind, action] = Object.entries(entry)[0] as [TransactAction['kind'], Json];
    return {
      kind,
      table: action.TableName as string,
      key: action.Key as Record<string, Json> | undefined,
      item: action.Item as Record<string, Json> | undefined,
    };
  });
}

/**
 * A proxy in front of DynamoDB Local that asks for ReturnConsumedCapacity INDEXES and adds what each
 * call consumed to `usage`. DynamoDB Local's figures follow DynamoDB's rules for single-item calls,
 * batches and queries (checked by hand: 0.5 per 4 KB eventually consistent read, 1 per 1 KB write,
 * per index too), but not for TransactWriteItems (one Put reported as 4 units, two Puts as 4 too):
 * those are sized here by the rule, two write units per KB of each item (prepare and commit), the
 * stored item read before (and, for an Update, after) the call; an index write of a transaction is
 * counted as one standard write per KB of the item.
 */
async function startDynamoProxy(endpoint: string, usage: () => Counted['byTable']) {
  const upstream = upstreamAt(endpoint);
  const indexKeys = new Map<string, Promise<Array<{ index: string; attributes: string[] }>>>();
  const add = (table: string, read: number, write: number) => {
    const byTable = usage();
    byTable[shortTable(table)] ??= { read: 0, write: 0 };
    const entry = byTable[shortTable(table)]!;
    entry.read += read;
    entry.write += write;
  };
  const stored = async (table: string, key: Record<string, Json>, headers: IncomingHttpHeaders) => {
    const answer = await upstream.call('GetItem', { TableName: table, Key: key, ConsistentRead: true }, headers);
    return (JSON.parse(answer.raw.toString()) as { Item?: Record<string, Json> }).Item;
  };
  const indexesOf = (table: string, headers: IncomingHttpHeaders) => {
    if (!indexKeys.has(table)) {
      indexKeys.set(
        table,
        upstream.call('DescribeTable', { TableName: table }, headers).then((answer) => {
          const described = JSON.parse(answer.raw.toString()) as {
            Table: {
              GlobalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: Array<{ AttributeName: string }> }>;
            };
          };
          return (described.Table.GlobalSecondaryIndexes ?? []).map((index) => ({
            index: index.IndexName,
            attributes: index.KeySchema.map((key) => key.AttributeName),
          }));
        }),
      );
    }
    return indexKeys.get(table)!;
  };

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      try {
        const target = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Json;
        const measured = READS.has(target) || WRITES.has(target);
        if (measured) input.ReturnConsumedCapacity = 'INDEXES';
        const actions = target === 'TransactWriteItems' ? transactActions(input) : [];
        const before = await Promise.all(
          actions.map((action) => (action.key ? stored(action.table, action.key, incoming.headers) : undefined)),
        );
        const answer = await upstream.call(target, input, incoming.headers);
        if (measured && answer.status === 200) {
          if (target === 'TransactWriteItems') {
            for (const [index, action] of actions.entries()) {
              const after =
                action.kind === 'Update' ? await stored(action.table, action.key!, incoming.headers) : action.item;
              const image = action.kind === 'Delete' || action.kind === 'ConditionCheck' ? before[index] : after;
              const size = Math.max(itemSize(before[index]), itemSize(after));
              add(action.table, 0, 2 * kilobytes(size));
              if (action.kind === 'ConditionCheck' || !image) continue;
              for (const gsi of await indexesOf(action.table, incoming.headers)) {
                if (gsi.attributes.every((name) => name in image))
                  add(`${action.table}/${gsi.index}`, 0, kilobytes(itemSize(image)));
              }
            }
          } else {
            const output = JSON.parse(answer.raw.toString()) as { ConsumedCapacity?: Json | Json[] };
            const consumed = [output.ConsumedCapacity ?? []].flat() as Array<{
              TableName: string;
              CapacityUnits?: number;
              Table?: { CapacityUnits?: number };
              GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
            }>;
            const isRead = READS.has(target);
            for (const entry of consumed) {
              const indexes = Object.entries(entry.GlobalSecondaryIndexes ?? {});
              const tableUnits = entry.Table?.CapacityUnits ?? (indexes.length ? 0 : (entry.CapacityUnits ?? 0));
              add(entry.TableName, isRead ? tableUnits : 0, isRead ? 0 : tableUnits);
              for (const [name, used] of indexes) {
                const units = used.CapacityUnits ?? 0;
                add(`${entry.TableName}/${name}`, isRead ? units : 0, isRead ? 0 : units);
              }
            }
          }
        }
        outgoing.writeHead(answer.status, answer.headers);
        outgoing.end(answer.raw);
      } catch (error) {
        outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        outgoing.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// ---------------------------------------------------------------------------------------------
// The KMS stand-in: the local key provider behind KMS's JSON protocol, counting calls

async function startKmsStandIn(directory: string, calls: () => Record<string, number>) {
  const provider = new LocalKeyProvider(directory);
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const bytes = (text: unknown) => new Uint8Array(Buffer.from(String(text), 'base64'));
  const operations: Record<string, (input: Json) => Promise<Json>> = {
    GenerateDataKey: async (input) => {
      const key = await provider.generateDataKey({
        keyId: input.KeyId as string,
        context: input.EncryptionContext as Record<string, string>,
      });
      return { KeyId: key.keyId, Plaintext: base64(key.plaintext), CiphertextBlob: base64(key.encrypted) };
    },
    Decrypt: async (input) => ({
      KeyId: input.KeyId,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      Plaintext: base64(
        await provider.decryptDataKey({
          keyId: input.KeyId as string,
          encrypted: bytes(input.CiphertextBlob),
          context: input.EncryptionContext as Record<string, string>,
        }),
      ),
    }),
    ReEncrypt: async (input) => {
      const moved = await provider.reEncryptDataKey({
        fromKeyId: input.SourceKeyId as string,
        toKeyId: input.DestinationKeyId as string,
        encrypted: bytes(input.CiphertextBlob),
        context: input.SourceEncryptionContext as Record<string, string>,
      });
      return { KeyId: moved.keyId, SourceKeyId: input.SourceKeyId, CiphertextBlob: base64(moved.encrypted) };
    },
  };
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      calls()[operation] = (calls()[operation] ?? 0) + 1;
      const answer = operations[operation];
      try {
        if (!answer) throw new Error(`the KMS stand-in of perf R9 does not do ${operation}`);
        const body = await answer(JSON.parse(Buffer.concat(chunks).toString()) as Json);
        outgoing.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        outgoing.end(JSON.stringify(body));
      } catch (error) {
        outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        outgoing.end(JSON.stringify({ __type: 'InvalidCiphertextException', message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// ---------------------------------------------------------------------------------------------
// Invocations

/** The API Gateway event of invocation `n`: its own `{n}` values, and a new Idempotency-Key for a POST. */
function event(spec: ChildRequest, n: string) {
  return httpEvent({
    method: spec.method,
    path: spec.path,
    pathParameters: spec.pathParameters,
    headers: {
      ...spec.headers,
      ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(spec.method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
    },
    body: spec.body?.replaceAll('{n}', n),
  });
}

const pick = (value: unknown, path: string) =>
  path.split('.').reduce<unknown>((at, name) => (at as Record<string, unknown> | undefined)?.[name], value);

async function cleanUp(spec: ChildRequest, body: string | undefined) {
  const cleanup = spec.cleanup;
  if (!cleanup) return;
  const id = String(pick(JSON.parse(body ?? '{}'), cleanup.idFrom));
  const response = await fetch(`${cleanup.baseUrl}${cleanup.path.replace('{id}', id)}`, {
    method: cleanup.method,
    headers: cleanup.headers,
  });
  if (!response.ok)
    throw new Error(`cleanup ${cleanup.method} ${cleanup.path}: ${response.status} ${await response.text()}`);
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;

async function main() {
  const options = JSON.parse(process.argv[2]!) as ChildOptions;
  let current: Counted = { status: 0, byTable: {}, kms: {} };
  if (options.mode === 'count') {
    process.env.DYNAMODB_ENDPOINT = await startDynamoProxy(process.env.DYNAMODB_ENDPOINT!, () => current.byTable);
    process.env.KMS_ENDPOINT = await startKmsStandIn(process.env.LOCAL_KMS_DIR!, () => current.kms);
    delete process.env.LOCAL_KMS_DIR;
  }
  const handler = (await import(options.bundle))[options.exportName] as Handler;
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const invoke = async (index: number) => {
    const started = performance.now();
    const result = await handler(event(options.request, `${run}${index}`), lambdaContext());
    const elapsed = performance.now() - started;
    if (result.statusCode >= 300)
      throw new Error(
        `${options.request.method} ${options.request.path} answered ${result.statusCode}: ${result.body}`,
      );
    await cleanUp(options.request, result.body);
    return { status: result.statusCode, elapsed };
  };
  if (options.mode === 'count') {
    const counted: Counted[] = [];
    for (let index = 0; index < 1 + options.measured; index++) {
      current = { status: 0, byTable: {}, kms: {} };
      current.status = (await invoke(index)).status;
      counted.push(current);
    }
    process.stdout.write(`${JSON.stringify({ counted })}\n`);
  } else {
    const durations: number[] = [];
    for (let index = 0; index < options.warmup + options.measured; index++) {
      const { elapsed } = await invoke(index);
      if (index >= options.warmup) durations.push(elapsed);
    }
    process.stdout.write(`${JSON.stringify({ durations })}\n`);
  }
  process.exit(0);
}

if (process.argv[1]?.endsWith('cost-child.ts')) await main();
