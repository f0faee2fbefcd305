/**
 * Test support of the notifications service: HTTP through the one base URL of the test platform,
 * organizations created through the organizations service, events published on the local bus, and
 * (where creating real users would be far too slow) members written straight into the memberships
 * table and inboxes read through the service's own repository against DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, membershipItem, organizationPk, tables } from '@tenantry/dynamo';
import type { DomainEvent } from '@tenantry/events';
import {
  baseUrl,
  type EventuallyOptions,
  type TestUser,
  eventually as waitUntil,
} from '@tenantry/local-platform/testing';
import type { OrganizationRole } from '@tenantry/models';
import { dynamoInboxRepository } from '../src/data/inbox-repository';
import { type InboxAddress, userInbox } from '../src/domain/model';

export { type TestUser, testUser } from '@tenantry/local-platform/testing';

/**
 * `eventually` of @tenantry/local-platform/testing (e.g. for an event crossing the local bus to a
 * consumer), with a minute by default: the consumers are cold functions on a machine the whole
 * platform shares.
 */
export function eventually<T>(
  condition: () => Promise<T>,
  options: EventuallyOptions<T> & { until: (value: T) => boolean },
): Promise<T>;
export function eventually<T>(
  condition: () => Promise<T | undefined>,
  options?: EventuallyOptions<T | undefined>,
): Promise<T>;
export function eventually<T>(condition: () => Promise<T | undefined>, options: EventuallyOptions<T | undefined> = {}) {
  return waitUntil(condition, { timeoutMs: 60_000, ...options });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read success and error bodies of any route
export type Loose = any;

export interface Reply<T = Loose> {
  status: number;
  body: T;
}

/**
 * serverless-offline answers a Lambda that crashed or timed out with HTTP 200 and an `errorMessage`
 * body: reported as 599 so no test mistakes it for a success. Nothing is retried.
 */
export const PLATFORM_HICCUP = 599;

export async function http<T = Loose>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl()}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : undefined) as Loose;
  if (body && typeof body === 'object' && 'errorMessage' in body) return { status: PLATFORM_HICCUP, body };
  return { status: response.status, body };
}

/** Fails the test with the answer unless it has the expected status. */
export function expectStatus<T>(reply: Reply<T>, status: number, what: string): T {
  if (reply.status !== status)
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** A new organization (STARTER) through the organizations service; `owner` is its OWNER member. */
export async function createOrganization(owner: TestUser): Promise<string> {
  const reply = await http('POST', '/organizations', {
    token: owner.token,
    body: { name: `Notifications ${randomUUID().slice(0, 8)}` },
  });
  return expectStatus(reply, 201, 'create organization').id as string;
}

/** Invites `email` as `role` and lets `user` accept over HTTP: a real ACTIVE member. */
export async function join(inviter: TestUser, orgId: string, user: TestUser, role: 'ADMIN' | 'MEMBER' | 'VIEWER') {
  const invitation = expectStatus(
    await http('POST', `/organizations/${orgId}/invitations`, {
      token: inviter.token,
      body: { email: user.email, role },
    }),
    201,
    'invite',
  );
  expectStatus(
    await http('POST', `/me/invitations/${invitation.id}/accept`, { token: user.token }),
    200,
    'accept invitation',
  );
  return invitation.id as string;
}

/**
 * ACTIVE members written straight into the memberships table, in the shape the memberships service
 * writes them (`membershipItem` of @tenantry/dynamo). Only for audiences of hundreds of members,
 * where a Cognito user and an invitation per member would take minutes; it bypasses the plan's
 * seat limit, which these tests do not exercise.
 */
export async function writeMembers(orgId: string, count: number, role: OrganizationRole = 'MEMBER'): Promise<string[]> {
  const now = new Date().toISOString();
  const userIds = Array.from({ length: count }, () => `fake-${randomUUID()}`);
  for (let start = 0; start < userIds.length; start += 25) {
    let pending: Loose = userIds.slice(start, start + 25).map((userId) => ({
      PutRequest: {
        Item: membershipItem({ organizationId: orgId, userId, role, status: 'ACTIVE', joinedAt: now, updatedAt: now }),
      },
    }));
    while (pending && pending.length > 0) {
      const output = await documentClient().send(
        new BatchWriteCommand({ RequestItems: { [tables.memberships()]: pending } }),
      );
      pending = output.UnprocessedItems?.[tables.memberships()];
    }
  }
  return userIds;
}

/** The service's own inbox repository on DynamoDB Local (no HTTP: for members without a token). */
export const inbox = () => dynamoInboxRepository(documentClient());

/** The unread count of a user id, as the service computes it. */
export const unreadOf = (userId: string, address: InboxAddress = userInbox(userId)) =>
  inbox().unreadCount([address], new Date());

let bus: EventBridgeClient | undefined;

/**
 * Publishes a domain event on the local bus exactly as a service does (source `tenantry.<service>`,
 * detail type = event type, detail = the event), with the id given: publishing the same event twice
 * is a redelivery.
 */
export async function publish(event: DomainEvent, source = 'tenantry.tests'): Promise<void> {
  bus ??= new EventBridgeClient({ endpoint: process.env.EVENTBRIDGE_ENDPOINT, maxAttempts: 1 });
  const result = await bus.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: source,
          DetailType: event.type,
          Detail: JSON.stringify(event),
        },
      ],
    }),
  );
  if (result.FailedEntryCount) throw new Error('the local bus refused the event');
}

export const newEventId = (): string => `evt_${randomUUID().replaceAll('-', '')}`;

/** The audit entries of an organization as stored (the HTTP route is tested on its own). */
export async function storedAudit(orgId: string): Promise<DomainEvent[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tables.notifications(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(orgId), ':audit': 'AUDIT#' },
      ConsistentRead: true,
    }),
  );
  return Items as DomainEvent[];
}

/** Every notification of my inboxes through the API, page after page (`unread` or all). */
export async function allNotifications(user: TestUser, unread = false, limit = 100): Promise<Loose[]> {
  const items: Loose[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(unread ? { unread: 'true' } : {}) });
    if (cursor) query.set('cursor', cursor);
    const page = expectStatus(await http('GET', `/me/notifications?${query}`, { token: user.token }), 200, 'list');
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export async function unreadCount(user: TestUser): Promise<number> {
  return expectStatus(await http('GET', '/me/notifications/unread-count', { token: user.token }), 200, 'count').count;
}

/** A broadcast by `sender` to the users named (one notification each, delivered within the request). */
export async function sendTo(sender: TestUser, orgId: string, userIds: string[], title = 'Hello') {
  return expectStatus(
    await http('POST', `/organizations/${orgId}/notifications`, {
      token: sender.token,
      body: { title, body: `${title} body`, audience: { userIds } },
    }),
    201,
    'broadcast',
  );
}
