import type { PlatformGroup } from './permissions';

/** A user authenticated by a Cognito ID token (contract §1). */
export interface UserPrincipal {
  readonly kind: 'user';
  /** `sub` */
  readonly id: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  /** Layer 1: the known platform groups of `cognito:groups`. */
  readonly groups: readonly PlatformGroup[];
}

/** An application authenticated by its API key (contract §6); resolved by `apiKeyResolver` (`api-keys.ts`) by default. */
export interface ApplicationPrincipal {
  readonly kind: 'application';
  /** The application id. */
  readonly id: string;
  /** The only organization this key may act in. */
  readonly organizationId: string;
  /** E.g. `applications:self`, `notifications:send`. */
  readonly scopes: readonly string[];
  /** Which key slot matched, when the resolver knows. */
  readonly keySlot?: 'current' | 'next' | 'previous';
}

export type Principal = UserPrincipal | ApplicationPrincipal;
export type PrincipalKind = Principal['kind'];

/** Lower-cased request headers. */
export type RequestHeaders = Readonly<Record<string, string>>;

/**
 * Turns a request credential into a principal. The security layers consult, for each route, the
 * resolvers of the principal kinds its action accepts; exactly one credential may be present.
 *
 * @example A custom API-key resolver (the default is `apiKeyResolver()`), registered once per service:
 * ```ts
 * configureSecurity({ resolvers: { application: {
 *   kind: 'application',
 *   header: 'x-api-key',
 *   async resolve(headers) { const app = await findByKey(headers['x-api-key']); return app && {...}; },
 * } } });
 * ```
 */
export interface PrincipalResolver<P extends Principal = Principal> {
  readonly kind: P['kind'];
  /** The lower-case header that carries this resolver's credential (e.g. `authorization`, `x-api-key`). */
  readonly header: string;
  /**
   * Verifies the credential. Returns the principal, or `undefined` / throws `UnauthenticatedError`
   * when it does not verify (both answer 401 with nothing leaked). A dependency that is down or too
   * slow (JWKS, DynamoDB) must NOT be a 401: throw `ServiceUnavailableError` or let its error through
   * (→ 503 with `Retry-After`).
   */
  resolve(headers: RequestHeaders): Promise<P | undefined>;
  /** Optional: fetch what `resolve` needs (e.g. the JWKS) once, at init, before the first request. */
  warmUp?(): Promise<void>;
}

/** The header an API key travels in (contract §1). */
export const API_KEY_HEADER = 'x-api-key';
