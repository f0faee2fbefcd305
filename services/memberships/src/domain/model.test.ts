import { describe, expect, it } from '@jest/globals';
import { effectiveStatus, expiryFrom, isLapsed, normalizeEmail, retentionTtl } from './model';

describe('invitation rules', () => {
  const now = new Date('2025-01-15T09:30:00.000Z');

  it('expires 7 days after creation', () => {
    expect(expiryFrom(now)).toBe('2025-01-22T09:30:00.000Z');
  });

  it('a PENDING invitation past its expiry is lapsed and reads as EXPIRED', () => {
    const invitation = { status: 'PENDING' as const, expiresAt: '2025-01-15T09:29:59.999Z' };
    expect(isLapsed(invitation, now)).toBe(true);
    expect(effectiveStatus(invitation, now)).toBe('EXPIRED');
  });

  it('an unexpired PENDING invitation and a settled one keep their status', () => {
    expect(effectiveStatus({ status: 'PENDING', expiresAt: expiryFrom(now) }, now)).toBe('PENDING');
    expect(effectiveStatus({ status: 'ACCEPTED', expiresAt: '2000-01-01T00:00:00.000Z' }, now)).toBe('ACCEPTED');
  });

  it('keeps settled invitations 30 days before TTL deletes them', () => {
    expect(retentionTtl(now) - now.getTime() / 1000).toBe(30 * 24 * 3600);
  });

  it('lower-cases emails', () => {
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
  });
});
