import type { FieldError } from '@tenantry/errors';
import type { EventOutbox, NewDomainEvent } from '@tenantry/events';
import {
  type ApplicationPrincipal,
  type LoadedOrganization,
  type MembershipRecord,
  type ModelsAdapter,
  type OrganizationRecord,
  type OrganizationStore,
  type PlatformGroup,
  type PrincipalResolver,
  type TokenVerifier,
  type UserPrincipal,
  verifyBearer,
} from '../../src/index';

/** A header-only RS256 token shape whose payload names the test user: `<header>.<userId>.<sig>`. */
export function fakeToken(userId: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'test' })).toString('base64url');
  return `${header}.${Buffer.from(userId).toString('base64url')}.c2ln`;
}

/** A verifier that knows a fixed set of users; anything else is refused. */
export function fakeVerifier(users: Record<string, { groups?: PlatformGroup[]; email?: string }>): TokenVerifier {
  return {
    async verify(token) {
      const userId = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString();
      const user = users[userId];
      if (!user) throw new Error('unknown user');
      return {
        sub: userId,
        email: user.email ?? `${userId}@example.test`,
        email_verified: true,
        'cognito:groups': user.groups ?? [],
        token_use: 'id',
      };
    },
  };
}

export function userResolverFor(verifier: TokenVerifier): PrincipalResolver<UserPrincipal> {
  return { kind: 'user', header: 'authorization', resolve: (headers) => verifyBearer(headers.authorization, verifier) };
}

export function fakeApiKeyResolver(
  keys: Record<string, ApplicationPrincipal>,
): PrincipalResolver<ApplicationPrincipal> {
  return { kind: 'application', header: 'x-api-key', resolve: async (headers) => keys[headers['x-api-key'] ?? ''] };
}

export function organization(id: string, overrides: Partial<OrganizationRecord> = {}): OrganizationRecord {
  return {
    id,
    name: `Org ${id}`,
    slug: id,
    status: 'ACTIVE',
    plan: 'STARTER',
    ownerId: 'owner',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function membership(organizationId: string, userId: string, role: MembershipRecord['role']): MembershipRecord {
  return {
    organizationId,
    userId,
    role,
    status: 'ACTIVE',
    email: `${userId}@example.test`,
    joinedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

/** An in-memory organization store that counts its loads. */
export class FakeStore implements OrganizationStore {
  loads = 0;
  organizations = new Map<string, OrganizationRecord>();
  memberships = new Map<string, MembershipRecord>();

  add(org: OrganizationRecord, ...members: MembershipRecord[]): this {
    this.organizations.set(org.id, org);
    for (const member of members) this.memberships.set(`${member.organizationId}#${member.userId}`, member);
    return this;
  }

  async load(organizationId: string, userId: string | undefined): Promise<LoadedOrganization> {
    this.loads++;
    return {
      organization: this.organizations.get(organizationId),
      membership: userId === undefined ? undefined : this.memberships.get(`${organizationId}#${userId}`),
    };
  }
}

/** Keeps what the stack records in memory instead of the outbox table. */
export class RecordingOutbox implements EventOutbox {
  events: NewDomainEvent[] = [];
  async record(events: NewDomainEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

/**
 * A stand-in for `@tenantry/models` in unit tests: each operation has a method/path and a tiny
 * validator function (the real ones are generated from schemas/).
 */
export function fakeModels(
  operations: Record<
    string,
    {
      method: string;
      path: string;
      successStatus?: number;
      auth?: 'user' | 'api-key' | 'user-or-api-key';
      body?: (input: unknown) => FieldError[];
    }
  >,
): ModelsAdapter {
  return {
    operations: Object.fromEntries(
      Object.entries(operations).map(([id, op]) => [
        id,
        { method: op.method, path: op.path, service: 'test', successStatus: op.successStatus ?? 200, auth: op.auth },
      ]),
    ),
    validateRequest(operationId, part, input) {
      const op = operations[operationId];
      if (!op) return { ok: false, details: [{ field: 'operation', message: 'unknown operation' }] };
      if (part === 'query' || part === 'path') return { ok: true, value: input };
      const details = op.body
        ? op.body(input)
        : input === undefined
          ? []
          : [{ field: 'body', message: 'no body allowed' }];
      return details.length ? { ok: false, details } : { ok: true, value: input };
    },
  };
}
