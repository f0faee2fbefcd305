import { describe, expect, it } from '@jest/globals';
import { matchesPattern } from '../src/event-pattern';
import { type GatewayRoute, routeMatcher } from '../src/gateway';

describe('the gateway route matcher', () => {
  const routes: GatewayRoute[] = [
    { method: 'GET', path: '/organizations/{orgId}', service: 'organizations', port: 1 },
    { method: 'GET', path: '/organizations/{orgId}/members', service: 'memberships', port: 2 },
    { method: 'GET', path: '/me/organizations', service: 'memberships', port: 2 },
    { method: 'GET', path: '/{proxy+}', service: 'fallback', port: 3 },
  ];
  const match = routeMatcher(routes);

  it('sends each path to the service that declares it, parameters matching one segment', () => {
    expect(match('GET', '/organizations/org_1')?.service).toBe('organizations');
    expect(match('GET', '/organizations/org_1/members')?.service).toBe('memberships');
  });

  it('prefers literal segments to a parameter, and a greedy {proxy+} comes last', () => {
    const literalFirst = routeMatcher([
      { method: 'GET', path: '/{section}/organizations', service: 'param', port: 1 },
      ...routes,
    ]);
    expect(literalFirst('GET', '/me/organizations')?.service).toBe('memberships');
    expect(match('GET', '/anything/else/here')?.service).toBe('fallback');
  });

  it('matches nothing for another method or a shorter path', () => {
    expect(match('DELETE', '/organizations/org_1/members')).toBeUndefined();
    expect(routeMatcher(routes.slice(0, 3))('GET', '/organizations')).toBeUndefined();
  });
});

describe('event pattern matching', () => {
  const event = {
    source: 'tenantry.memberships',
    'detail-type': 'invitation.created',
    detail: { organizationId: 'org_1', data: { seats: 4, role: 'ADMIN' } },
  };

  it('matches values from a list, nested objects and prefixes', () => {
    expect(matchesPattern({ source: [{ prefix: 'tenantry.' }] }, event)).toBe(true);
    expect(matchesPattern({ 'detail-type': ['member.left', 'invitation.created'] }, event)).toBe(true);
    expect(matchesPattern({ detail: { data: { role: ['ADMIN'] } } }, event)).toBe(true);
    expect(matchesPattern({ source: [{ prefix: 'other.' }] }, event)).toBe(false);
    expect(matchesPattern({ detail: { data: { role: ['MEMBER'] } } }, event)).toBe(false);
  });

  it('supports anything-but, exists and numeric ranges', () => {
    expect(matchesPattern({ 'detail-type': [{ 'anything-but': ['member.left'] }] }, event)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ 'anything-but': 'invitation.created' }] }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { organizationId: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { data: { seats: [{ numeric: ['>=', 4, '<', 5] }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { data: { seats: [{ numeric: ['>', 4] }] } } }, event)).toBe(false);
  });
});
