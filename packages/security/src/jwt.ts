import { config } from '@tenantry/config';
import { isDependencyUnavailable, ServiceUnavailableError, UnauthenticatedError } from '@tenantry/errors';
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksNotAvailableInCacheError, JwksValidationError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { platformGroupsFromClaim } from './permissions';
import type { PrincipalResolver, RequestHeaders, UserPrincipal } from './principal';

/** The claims of a verified token that the security layer reads. */
export type VerifiedClaims = Record<string, unknown> & { sub: string };

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedClaims>;
  /** Fetches and caches the JWKS now (at init), so that no request waits for it. */
  hydrate?(): Promise<void>;
}

export interface CognitoSettings {
  /** Cognito user pool id (`USER_POOL_ID`). */
  userPoolId?: string;
  /** App client id: the `aud` of ID tokens (`AUTH_CLIENT_ID`). */
  clientId: string;
  /** Token issuer (`AUTH_ISSUER`); when it is a local http issuer, `jwksUri` is used over plain http. */
  issuer?: string;
  /** JWKS address (`AUTH_JWKS_URI`), default `{issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
}

/** Reads the Cognito settings from the environment (see README); a missing one throws, naming it. */
export function cognitoSettingsFromEnv(): CognitoSettings {
  return {
    clientId: config.AUTH_CLIENT_ID,
    userPoolId: config.USER_POOL_ID,
    issuer: config.AUTH_ISSUER,
    jwksUri: config.AUTH_JWKS_URI,
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Seconds a client should wait after a JWKS that could not be fetched. */
export const JWKS_RETRY_AFTER_SECONDS = 2;

/**
 * A fetcher over global fetch: the library's default refuses http:, which cognito-local serves.
 * A failure is a FetchError (with its cause), which answers 503, never 401.
 */
const loopbackFetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) throw new Error('JWKS must be https');
    let response: Response;
    try {
      // Generous: a burst of cold workers on a two-core machine all fetch the local JWKS at once.
      response = await fetch(url, { signal: AbortSignal.timeout(8000) });
    } catch (error) {
      throw Object.assign(new FetchError(uri, error instanceof Error ? error.message : 'fetch failed'), {
        cause: error,
      });
    }
    if (!response.ok) throw new FetchError(uri, `status ${response.status}, expected 200`);
    return response.arrayBuffer();
  },
};

/** The JWKS could not be fetched or read: the token is not at fault, the answer is 503. */
function isJwksUnavailable(error: unknown): boolean {
  return (
    error instanceof FetchError ||
    error instanceof JwksValidationError ||
    error instanceof JwksNotAvailableInCacheError ||
    isDependencyUnavailable(error)
  );
}

function isIdToken({ payload }: { payload: Record<string, unknown> }): void {
  if (payload.token_use !== 'id') throw new Error('token_use is not id');
}

/**
 * The token verifier. Deployed (issuer absent or `https://cognito-idp.…`): `CognitoJwtVerifier`
 * against the real pool. Locally (an http issuer on 127.0.0.1, i.e. cognito-local): the generic
 * `JwtVerifier` with a loopback-only fetcher. Both check issuer, audience (client id), `token_use`
 * = id, expiry and `nbf` with no grace, and keep the JWKS cached for the life of the container:
 * `hydrate()` fetches it at init (see `warmUpSecurity`); after that, only a token with an unknown
 * `kid` fetches it again (key rotation; rate-limited by the library's penalty box).
 */
export function createTokenVerifier(settings: CognitoSettings): TokenVerifier {
  const { issuer, clientId, userPoolId } = settings;
  if (!issuer || issuer.startsWith('https://cognito-idp.')) {
    if (!userPoolId) throw new Error('environment variable USER_POOL_ID is not set');
    const verifier = CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'id', graceSeconds: 0 });
    return {
      verify: async (token) => (await verifier.verify(token)) as unknown as VerifiedClaims,
      hydrate: () => verifier.hydrate(),
    };
  }
  const host = new URL(issuer).hostname;
  if (!issuer.startsWith('https://') && !LOOPBACK.has(host)) throw new Error('AUTH_ISSUER must be https');
  const verifier = JwtVerifier.create(
    {
      issuer,
      audience: clientId,
      jwksUri: settings.jwksUri ?? `${issuer}/.well-known/jwks.json`,
      customJwtCheck: isIdToken,
      graceSeconds: 0,
    },
    { jwksCache: new SimpleJwksCache({ fetcher: loopbackFetcher }) },
  );
  return {
    verify: async (token) => (await verifier.verify(token)) as unknown as VerifiedClaims,
    hydrate: () => verifier.hydrate(),
  };
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** Decodes the JOSE header without trusting it: only RS256 is ever passed on to verification. */
function headerAlgorithm(token: string): unknown {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return header && typeof header === 'object' ? header.alg : undefined;
  } catch {
    return undefined;
  }
}

/** The reason a token was refused, for the logs (never the token itself). */
export class TokenRejectedError extends UnauthenticatedError {
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super(undefined, { cause });
  }
}

/**
 * Verifies an `Authorization: Bearer <ID token>` header into a user principal. A token that does
 * not verify: 401 (`TokenRejectedError`). A JWKS that cannot be fetched (down, timing out, not a
 * JWKS): 503 `ServiceUnavailableError` with `Retry-After` — the token may well be valid.
 */
export async function verifyBearer(authorization: string | undefined, verifier: TokenVerifier): Promise<UserPrincipal> {
  if (!authorization) throw new TokenRejectedError('missing authorization header');
  const match = BEARER.exec(authorization.trim());
  if (!match) throw new TokenRejectedError('malformed authorization header');
  const token = match[1]!;
  if (headerAlgorithm(token) !== 'RS256') throw new TokenRejectedError('algorithm is not RS256');
  let claims: VerifiedClaims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    if (isJwksUnavailable(error)) {
      throw new ServiceUnavailableError(undefined, { cause: error, retryAfterSeconds: JWKS_RETRY_AFTER_SECONDS });
    }
    throw new TokenRejectedError(error instanceof Error ? `${error.name}: ${error.message}` : 'verification failed');
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejectedError('token has no sub');
  return {
    kind: 'user',
    id: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : undefined,
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    groups: platformGroupsFromClaim(claims['cognito:groups']),
  };
}

let sharedVerifier: TokenVerifier | undefined;

/** The verifier of this container, created on first use from the environment and kept (JWKS cache included). */
export function sharedTokenVerifier(): TokenVerifier {
  sharedVerifier ??= createTokenVerifier(cognitoSettingsFromEnv());
  return sharedVerifier;
}

/** Tests only: forget the container's verifier (e.g. after changing the environment). */
export function resetSharedTokenVerifier(): void {
  sharedVerifier = undefined;
}

/** The user resolver: Cognito ID tokens in `Authorization: Bearer …`. `warmUp()` hydrates the JWKS. */
export function cognitoUserResolver(verifier?: TokenVerifier): PrincipalResolver<UserPrincipal> {
  return {
    kind: 'user',
    header: 'authorization',
    resolve: (headers: RequestHeaders) => verifyBearer(headers.authorization, verifier ?? sharedTokenVerifier()),
    warmUp: async () => {
      await (verifier ?? sharedTokenVerifier()).hydrate?.();
    },
  };
}
