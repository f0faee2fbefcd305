// Every httpApi route of every service must go through the security stack with a declared action
// (health routes excepted), and its method and path must agree with the operation it names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { operations } from '@tenantry/models';
import { parse } from 'yaml';
import { acceptsApplications, acceptsUsers, isAction, publicRoute, type RouteMetadata, route } from '../../src/index';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const servicesDir = join(repoRoot, 'services');

interface HttpRoute {
  service: string;
  functionName: string;
  handler: string;
  method: string;
  path: string;
}

function httpRoutes(): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const service of readdirSync(servicesDir)) {
    const file = join(servicesDir, service, 'serverless.yml');
    if (!existsSync(file)) continue;
    const definition = parse(readFileSync(file, 'utf8'), { logLevel: 'error' }) as {
      functions?: Record<string, { handler: string; events?: Record<string, unknown>[] }>;
    };
    for (const [functionName, fn] of Object.entries(definition.functions ?? {})) {
      for (const event of fn.events ?? []) {
        const http = event.httpApi;
        if (!http) continue;
        const [method, path] =
          typeof http === 'string'
            ? (http.split(/\s+/) as [string, string])
            : [String((http as { method: string }).method), String((http as { path: string }).path)];
        routes.push({ service, functionName, handler: fn.handler, method: method.toUpperCase(), path });
      }
    }
  }
  return routes;
}

const isHealth = (route: HttpRoute) => route.path === '/health' || route.path.startsWith('/health/');

async function loadHandler(route: HttpRoute): Promise<unknown> {
  const exportName = route.handler.slice(route.handler.lastIndexOf('.') + 1);
  const modulePath = route.handler.slice(0, route.handler.lastIndexOf('.'));
  const file = ['.ts', '.mts', '.js'].map((ext) => join(servicesDir, route.service, modulePath + ext)).find(existsSync);
  if (!file) throw new Error(`${route.service}/${route.functionName}: no module for handler ${route.handler}`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  return module[exportName];
}

/** What is wrong with one route's wiring (empty: nothing). */
function problems(route: HttpRoute, handler: unknown): string[] {
  if (typeof handler !== 'function') return ['the handler export does not exist'];
  const metadata = (handler as { route?: RouteMetadata }).route;
  if (isHealth(route)) return metadata && !metadata.public ? ['a health route must use publicRoute'] : [];
  if (!metadata) return ['not built with route() from @tenantry/security'];
  const found: string[] = [];
  if (metadata.public) found.push('a public route outside /health');
  if (!isAction(metadata.action)) found.push(`no action of the permission table (${String(metadata.action)})`);
  const operation = Object.hasOwn(operations, metadata.operation)
    ? operations[metadata.operation as keyof typeof operations]
    : undefined;
  if (!operation) return [...found, `operation ${metadata.operation} is not in @tenantry/models`];
  if (operation.method !== route.method || operation.path !== route.path) {
    found.push(
      `serverless.yml says ${route.method} ${route.path}, the operation ${operation.method} ${operation.path}`,
    );
  }
  if (isAction(metadata.action)) {
    const auth = operation.auth as string;
    if ((auth === 'api-key' || auth === 'user-or-api-key') && !acceptsApplications(metadata.action)) {
      found.push(`operation takes API keys, action ${metadata.action} does not`);
    }
    if ((auth === 'user' || auth === 'user-or-api-key') && !acceptsUsers(metadata.action)) {
      found.push(`operation takes users, action ${metadata.action} does not`);
    }
    // The scope an API key needs is the action's permission itself; the contract must name the same.
    const declared = (operation as { scope?: string | null }).scope ?? null;
    if (
      (auth === 'api-key' || auth === 'user-or-api-key') &&
      acceptsApplications(metadata.action) &&
      declared !== metadata.action
    ) {
      found.push(`operation scope ${declared} differs from the scope of action ${metadata.action}`);
    }
  }
  if (metadata.idempotent !== operation.idempotent) found.push('Idempotency-Key support differs from the contract');
  return found;
}

const routes = httpRoutes();

describe('route wiring of every service', () => {
  it('finds the services and their httpApi routes', () => {
    expect(routes.length).toBeGreaterThan(0);
  });

  it.each(
    routes.map((route) => [`${route.method} ${route.path} (${route.service}/${route.functionName})`, route] as const),
  )('%s is wired through the security stack', async (_name, route) => {
    expect(problems(route, await loadHandler(route))).toEqual([]);
  });
});

describe('the wiring check itself', () => {
  const getOrganization: HttpRoute = {
    service: 'organizations',
    functionName: 'getOrganization',
    handler: 'src/functions/getOrganization/handler.handler',
    method: 'GET',
    path: '/organizations/{orgId}',
  };

  it('fails a plain Lambda handler', () => {
    expect(problems(getOrganization, async () => ({ statusCode: 200 }))).toEqual([
      'not built with route() from @tenantry/security',
    ]);
  });

  it('fails a route whose method or path disagree with its operation', () => {
    const handler = route({ operation: 'getOrganization', action: 'organization:read' }, async () => ({}));
    expect(problems({ ...getOrganization, method: 'DELETE' }, handler)).toHaveLength(1);
    expect(problems(getOrganization, handler)).toEqual([]);
  });

  it('fails a public wrapper on a protected path and an API-key operation with a user-only action', () => {
    const open = publicRoute({ operation: 'getOrganization' }, async () => ({}));
    expect(problems(getOrganization, open)).not.toEqual([]);
    const self = route({ operation: 'getCallingApplication', action: 'me:read' }, async () => ({}));
    expect(problems({ ...getOrganization, method: 'GET', path: '/applications/me' }, self)).toEqual([
      'operation takes API keys, action me:read does not',
    ]);
  });

  it('fails an API-key route whose action needs another scope than the contract names', () => {
    const sending = route({ operation: 'getCallingApplication', action: 'notifications:send' }, async () => ({}));
    const me: HttpRoute = { ...getOrganization, method: 'GET', path: '/applications/me' };
    expect(problems(me, sending)).toContain(
      'operation scope applications:self differs from the scope of action notifications:send',
    );
    const self = route({ operation: 'getCallingApplication', action: 'applications:self' }, async () => ({}));
    expect(problems(me, self)).toEqual([]);
  });
});
