import { randomUUID } from 'node:crypto';
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Route } from './services';

/** A route a service declared, and the serverless-offline port that serves it. */
export interface GatewayRoute extends Route {
  service: string;
  port: number;
}

interface CompiledRoute extends GatewayRoute {
  segments: string[];
  /** Literal segments count: a more literal template wins over one with more parameters. */
  specificity: number;
}

/** Finds the route of a request as API Gateway does: literal segments beat `{param}`, `{proxy+}` comes last. */
export function routeMatcher(routes: GatewayRoute[]): (method: string, path: string) => GatewayRoute | undefined {
  const compiled: CompiledRoute[] = routes
    .map((route) => {
      const segments = route.path.split('/').filter(Boolean);
      return { ...route, segments, specificity: segments.filter((segment) => !segment.startsWith('{')).length };
    })
    .sort((a, b) => b.specificity - a.specificity || b.segments.length - a.segments.length);
  return (method, path) => {
    const parts = path.split('/').filter(Boolean);
    return compiled.find(
      (route) =>
        (route.method === method || route.method === '*' || route.method === 'ANY') &&
        segmentsMatch(route.segments, parts),
    );
  };
}

function segmentsMatch(template: string[], parts: string[]): boolean {
  for (let index = 0; index < template.length; index++) {
    const segment = template[index]!;
    if (segment.endsWith('+}')) return parts.length > index;
    const part = parts[index];
    if (part === undefined) return false;
    if (!segment.startsWith('{') && segment !== part) return false;
  }
  return template.length === parts.length;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * The one base URL: sends each request to the service whose serverless.yml declares its route, and
 * answers `GET /health` with the health of every service.
 */
export async function startGateway(options: {
  port: number;
  routes: GatewayRoute[];
  healthRoutes: Array<{ service: string; path: string }>;
}): Promise<Server> {
  const match = routeMatcher(options.routes);
  const baseUrl = `http://127.0.0.1:${options.port}`;

  const health = async (response: ServerResponse) => {
    const services = Object.fromEntries(
      await Promise.all(
        options.healthRoutes.map(async ({ service, path }) => {
          const status = await fetch(`${baseUrl}${path}`)
            .then((reply) => (reply.ok ? 'ok' : `error ${reply.status}`))
            .catch(() => 'unreachable');
          return [service, { status }] as const;
        }),
      ),
    );
    const ok = Object.values(services).every((service) => service.status === 'ok');
    sendJson(response, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', services });
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', baseUrl);
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/health') return void health(response);
    const route = match(method, url.pathname);
    if (!route) {
      return sendJson(response, 404, {
        error: { code: 'NOT_FOUND', message: 'No route matches this method and path.', requestId: randomUUID() },
      });
    }
    const upstream = forward(
      { host: '127.0.0.1', port: route.port, method, path: request.url, headers: request.headers },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on('error', () =>
      sendJson(response, 502, {
        error: { code: 'INTERNAL', message: `The ${route.service} service is not reachable.`, requestId: randomUUID() },
      }),
    );
    request.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return server;
}
