// Helpers of the end-to-end journeys: every HTTP call goes through the ONE base URL of the test
// platform with `api(user)`, the one test client of @tenantry/local-platform/testing (the typed
// client of @tenantry/models); the only direct table read is the audit log (`auditLog`).
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, organizationPk, tables } from '@tenantry/dynamo';
import { api, type TestUser, testUser } from '@tenantry/local-platform/testing';
import type { components } from '@tenantry/models/client';

export { api, eventually, type TestUser, testUser } from '@tenantry/local-platform/testing';

export type Organization = components['schemas']['Organization'];
export type Invitation = components['schemas']['Invitation'];
export type Membership = components['schemas']['Membership'];
export type InvitableRole = 'ADMIN' | 'MEMBER' | 'VIEWER';
/** A built-in role below OWNER, or the key of one of the organization's custom roles (contract §9). */
export type GivenRole = InvitableRole | (string & {});
export type ErrorResponse = components['schemas']['ErrorResponse'];

const DAY_MS = 24 * 60 * 60 * 1000;

export const randomEmail = (): string => `invitee-${randomUUID()}@example.test`;

/** An id of the same shape as a real organization id that names no organization. */
export const missingOrganizationId = (): string => `org_${randomUUID().replaceAll('-', '')}`;

/** `POST /organizations` as `owner`; fails the test unless it answers 201. */
export async function foundOrganization(owner: TestUser, name = `Journey ${randomUUID().slice(0, 8)}`) {
  const { data, error, response } = await api(owner).POST('/organizations', { body: { name } });
  if (response.status !== 201 || !data) throw new Error(`create: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

/** `POST /organizations/{orgId}/invitations` as `inviter` (any answer). */
export function invite(inviter: TestUser, orgId: string, role: GivenRole, email = randomEmail()) {
  return api(inviter).POST('/organizations/{orgId}/invitations', {
    params: { path: { orgId } },
    body: { email, role },
  });
}

/** A new verified user who is invited by `inviter` and accepts: an ACTIVE member with `role`. */
export async function join(inviter: TestUser, orgId: string, role: InvitableRole): Promise<TestUser> {
  const user = await testUser();
  const invited = await invite(inviter, orgId, role, user.email);
  if (invited.response.status !== 201 || !invited.data) {
    throw new Error(`invite: ${invited.response.status} ${JSON.stringify(invited.error)}`);
  }
  const accepted = await api(user).POST('/me/invitations/{invitationId}/accept', {
    params: { path: { invitationId: invited.data.id } },
  });
  if (accepted.response.status !== 200) {
    throw new Error(`accept: ${accepted.response.status} ${JSON.stringify(accepted.error)}`);
  }
  return user;
}

/** The ACTIVE members of an organization as `userId → role`, read by `reader`. */
export async function memberRoles(reader: TestUser, orgId: string): Promise<Record<string, string>> {
  const { data, response } = await api(reader).GET('/organizations/{orgId}/members', {
    params: { path: { orgId }, query: { limit: 100 } },
  });
  if (response.status !== 200 || !data) throw new Error(`members: ${response.status}`);
  return Object.fromEntries(data.items.map((member) => [member.userId, member.role]));
}

/**
 * The organization's seat usage as the API shows it, and the real counts behind it: ACTIVE members
 * (`GET members`) plus PENDING invitations (`GET invitations?status=PENDING`), all read by `reader`.
 */
export async function seats(reader: TestUser, orgId: string) {
  const client = api(reader);
  const [organization, members, pending] = await Promise.all([
    client.GET('/organizations/{orgId}', { params: { path: { orgId } } }),
    client.GET('/organizations/{orgId}/members', { params: { path: { orgId }, query: { limit: 100 } } }),
    client.GET('/organizations/{orgId}/invitations', {
      params: { path: { orgId }, query: { status: 'PENDING', limit: 100 } },
    }),
  ]);
  if (!organization.data || !members.data || !pending.data) throw new Error('seats: a read failed');
  return {
    usage: organization.data.usage.members,
    members: members.data.items.length,
    pending: pending.data.items.length,
  };
}

/** True when `iso` is within a minute of `now + days`. */
export function isAbout(iso: string, days: number, now = Date.now()): boolean {
  return Math.abs(Date.parse(iso) - (now + days * DAY_MS)) < 60_000;
}

/** The error body without its per-request id: what two refusals may be compared on. */
export function withoutRequestId(body: unknown): unknown {
  if (!body || typeof body !== 'object' || !('error' in body)) return body;
  const { requestId: _requestId, ...rest } = (body as ErrorResponse).error;
  return { error: rest };
}

export interface AuditEntry {
  id: string;
  type: string;
  organizationId: string;
  actor: { kind: string; id?: string };
  data: Record<string, unknown>;
}

/** The organization's audit log, read from the notifications table directly (whoever the journey's users are). */
export async function auditLog(orgId: string): Promise<AuditEntry[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tables.notifications(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': organizationPk(orgId), ':audit': 'AUDIT#' },
      ConsistentRead: true,
    }),
  );
  return Items as AuditEntry[];
}
